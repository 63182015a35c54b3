using CareLedger.Fhir.Storage;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.Fhir;

public sealed class ResourceReferencesTests
{
    [Fact]
    public void Finds_references_in_elements_lists_contained_resources_and_extensions_of_primitives()
    {
        var birthDate = new Date("1970-01-01");
        birthDate.Extension.Add(new Extension("http://example.org/recorded-by", new ResourceReference("Practitioner/on-a-primitive")));
        var patient = new Patient
        {
            BirthDateElement = birthDate,
            ManagingOrganization = new ResourceReference("Organization/managing"),
            GeneralPractitioner = [new ResourceReference("Practitioner/first"), new ResourceReference("#contained-gp")],
            Contained = [new Practitioner { Id = "contained-gp", Extension = [new Extension("http://example.org/employer", new ResourceReference("Organization/in-contained"))] }],
        };

        var found = ResourceReferences.All(patient).Select(r => r.Reference).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["#contained-gp", "Organization/in-contained", "Organization/managing", "Practitioner/first", "Practitioner/on-a-primitive"], found);
    }

    [Fact]
    public void A_resource_without_references_has_none()
    {
        var patient = new Patient { BirthDate = "1970-01-01", Name = [new HumanName { Family = "Doe", Given = ["Jane"] }] };

        Assert.Empty(ResourceReferences.All(patient));
    }
}
