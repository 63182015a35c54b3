using System.Net;
using CareLedger.Fhir.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.Fhir;

public sealed class FhirSearchTests : IAsyncLifetime
{
    private FhirTestNode node = null!;
    private string ana = null!;
    private string bob = null!;

    public async System.Threading.Tasks.Task InitializeAsync()
    {
        node = await FhirTestNode.StartAsync(http: true);
        var organization = await Create(new Organization { Name = "General Hospital", Identifier = [new Identifier("urn:test:org", "GH")] });
        ana = await Create(new Patient
        {
            Name = [new HumanName { Family = "Müller", Given = ["Ana"] }],
            Gender = AdministrativeGender.Female,
            BirthDate = "1980-04-02",
            Identifier = [new Identifier("urn:test:mrn", "A-1")],
            Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Phone, null, "555-0101")],
            ManagingOrganization = new ResourceReference($"Organization/{organization}"),
        });
        bob = await Create(new Patient
        {
            Name = [new HumanName { Family = "Miller", Given = ["Bob"] }],
            Gender = AdministrativeGender.Male,
            BirthDate = "1955-11-30",
            Identifier = [new Identifier("urn:test:mrn", "B-2")],
        });
        foreach (var (patient, code, date, category) in new[]
        {
            (ana, "8302-2", "2020-01-10", "vital-signs"), (ana, "29463-7", "2021-06-01", "vital-signs"),
            (ana, "2339-0", "2022-03-15T10:00:00Z", "laboratory"), (bob, "8302-2", "2019-07-07", "vital-signs"),
        })
        {
            await Create(new Observation
            {
                Status = code == "2339-0" ? ObservationStatus.Preliminary : ObservationStatus.Final,
                Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", category)],
                Code = new CodeableConcept("http://loinc.org", code),
                Subject = new ResourceReference($"Patient/{patient}"),
                Effective = new FhirDateTime(date),
            });
        }
    }

    public async System.Threading.Tasks.Task DisposeAsync() => await node.DisposeAsync();

    private async Task<string> Create(Resource resource) => (await node.Service.CreateAsync(FhirTestNode.System, resource, null, CancellationToken.None)).Id;

    private IReadOnlyList<Resource> Search(string type, string query)
    {
        var parameters = query.Length == 0 ? [] : query.Split('&').Select(p => p.Split('=', 2)).Select(p => new KeyValuePair<string, string>(p[0], p[1])).ToList();
        return [.. node.Service.Search(FhirTestNode.System, SearchRequestParser.Parse(type, parameters), "http://localhost/fhir").Entry.Select(e => e.Resource!)];
    }

    private static List<string> Ids(IEnumerable<Resource> resources) => [.. resources.Select(r => r.Id!).Order(StringComparer.Ordinal)];

    [Fact]
    public async System.Threading.Tasks.Task Reference_address_and_email_parameters_and_history_since_find_what_they_name()
    {
        var organization = Search("Organization", "identifier=urn:test:org|GH").Single().Id!;
        var doctor = await Create(new Practitioner
        {
            Name = [new HumanName { Family = "Okafor" }],
            Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "okafor@example.org")],
            Address = [new Address { City = "Springfield", Line = ["1 Main Street"] }],
        });
        var cara = await Create(new Patient
        {
            Name = [new HumanName { Family = "Costa" }],
            GeneralPractitioner = [new ResourceReference($"Practitioner/{doctor}")],
            ManagingOrganization = new ResourceReference($"Organization/{organization}"),
            Address = [new Address { City = "Shelbyville" }],
        });
        var visit = await Create(new Encounter
        {
            Status = Encounter.EncounterStatus.Finished,
            Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB"),
            Subject = new ResourceReference($"Patient/{cara}"),
        });
        var seen = await Create(new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Subject = new ResourceReference($"Patient/{cara}"),
            Encounter = new ResourceReference($"Encounter/{visit}"),
            Performer = [new ResourceReference($"Practitioner/{doctor}")],
        });

        Assert.Equal([cara], Ids(Search("Patient", $"general-practitioner={doctor}")));
        Assert.Equal([cara], Ids(Search("Patient", $"general-practitioner=Practitioner/{doctor}")));
        Assert.Equal(Ids([.. Search("Patient", "name=costa"), .. Search("Patient", "name=mul")]), Ids(Search("Patient", $"organization={organization}")));
        Assert.Equal([seen], Ids(Search("Observation", $"encounter=Encounter/{visit}")));
        Assert.Equal([seen], Ids(Search("Observation", $"performer={doctor}")));
        Assert.Empty(Search("Observation", $"performer=Practitioner/{cara}"));
        Assert.Equal([doctor], Ids(Search("Practitioner", "email=okafor@example.org")));
        Assert.Empty(Search("Practitioner", "email=okafor@example.com"));
        Assert.Equal([doctor], Ids(Search("Practitioner", "address=spring")));
        Assert.Equal([cara], Ids(Search("Patient", "address=shelby")));
        Assert.Empty(Search("Patient", "address=spring"));

        // History since a moment lists only what changed after it.
        await System.Threading.Tasks.Task.Delay(5);
        var cutoff = DateTimeOffset.UtcNow;
        await System.Threading.Tasks.Task.Delay(5);
        var later = (await node.Service.UpdateAsync(FhirTestNode.System, "Practitioner", doctor, new Practitioner
        {
            Id = doctor,
            Name = [new HumanName { Family = "Okafor-Reyes" }],
        }, null, CancellationToken.None)).Version;
        var all = node.Service.History(FhirTestNode.System, "Practitioner", doctor, 10, null, "http://localhost/fhir");
        var since = node.Service.History(FhirTestNode.System, "Practitioner", doctor, 10, cutoff, "http://localhost/fhir");
        Assert.Equal(2, all.Entry.Count);
        Assert.Equal([later.ToString(System.Globalization.CultureInfo.InvariantCulture)], since.Entry.Select(e => e.Resource!.Meta!.VersionId));
    }

    [Theory]
    [InlineData("name=mul", "ana")]
    [InlineData("name=MÜLLER", "ana")]
    [InlineData("name=mil", "bob")]
    [InlineData("family=mill", "bob")]
    [InlineData("given=ana", "ana")]
    [InlineData("name:exact=Müller", "ana")]
    [InlineData("identifier=urn:test:mrn|A-1", "ana")]
    [InlineData("identifier=B-2", "bob")]
    [InlineData("phone=555-0101", "ana")]
    [InlineData("gender=male", "bob")]
    [InlineData("gender:not=male", "ana")]
    [InlineData("birthdate=1980", "ana")]
    [InlineData("birthdate=lt1960-01-01", "bob")]
    [InlineData("birthdate=ge1980-04-02", "ana")]
    [InlineData("birthdate=1980-04-02", "ana")]
    [InlineData("birthdate=ne1980-04-02", "bob")]
    [InlineData("birthdate=le1980-04-01", "bob")]
    [InlineData("telecom:missing=true", "bob")]
    public void Patient_search_parameters_find_the_right_patient(string query, string expected)
    {
        var found = Search("Patient", query);

        Assert.Equal([expected == "ana" ? ana : bob], Ids(found));
    }

    [Fact]
    public void Birth_dates_indexed_by_year_are_still_matched_and_sorted_to_the_day()
    {
        Assert.Empty(Search("Patient", "birthdate=gt1980-04-02"));
        Assert.Empty(Search("Patient", "birthdate=1980-04-03"));
        Assert.Equal([ana], Ids(Search("Patient", "birthdate=sa1980-04-01")));
        Assert.Equal([bob, ana], Search("Patient", "_sort=birthdate").Select(r => r.Id));
        Assert.Equal([ana, bob], Search("Patient", "_sort=-birthdate").Select(r => r.Id));
    }

    [Fact]
    public void Names_are_matched_by_prefix_not_by_substring()
    {
        Assert.Empty(Search("Patient", "name=ller"));
        Assert.Empty(Search("Patient", "name:exact=müller"));
    }

    [Theory]
    [InlineData("subject=Patient/{ana}", 3)]
    [InlineData("patient={ana}", 3)]
    [InlineData("subject:Patient={bob}", 1)]
    [InlineData("code=8302-2", 2)]
    [InlineData("code=http://loinc.org|8302-2", 2)]
    [InlineData("code=http://other|8302-2", 0)]
    [InlineData("code=8302-2,29463-7", 3)]
    [InlineData("category=laboratory", 1)]
    [InlineData("status=preliminary", 1)]
    [InlineData("date=2020", 1)]
    [InlineData("date=ge2021-01-01", 2)]
    [InlineData("date=lt2020-01-01", 1)]
    [InlineData("date=2022-03-15", 1)]
    [InlineData("patient={ana}&code=8302-2", 1)]
    public void Observation_search_parameters_combine_with_and_and_or(string query, int expected)
    {
        var found = Search("Observation", query.Replace("{ana}", ana, StringComparison.Ordinal).Replace("{bob}", bob, StringComparison.Ordinal));

        Assert.Equal(expected, found.Count);
    }

    [Fact]
    public void Id_and_last_updated_are_common_parameters()
    {
        Assert.Equal([ana], Ids(Search("Patient", $"_id={ana}")));
        Assert.Equal(2, Search("Patient", $"_id={ana},{bob}").Count);
        Assert.Equal(2, Search("Patient", "_lastUpdated=gt2000-01-01").Count);
        Assert.Empty(Search("Patient", "_lastUpdated=lt2000-01-01"));
    }

    [Fact]
    public void Sort_orders_by_date_both_ways()
    {
        var ascending = Search("Observation", "_sort=date").Cast<Observation>().Select(o => o.Effective!.ToString()!).ToList();
        var descending = Search("Observation", "_sort=-date").Cast<Observation>().Select(o => o.Effective!.ToString()!).ToList();

        Assert.Equal(["2019-07-07", "2020-01-10", "2021-06-01", "2022-03-15T10:00:00Z"], ascending);
        Assert.Equal(Enumerable.Reverse(ascending), descending);
    }

    [Fact]
    public void Include_adds_each_referenced_resource_once()
    {
        var bundle = node.Service.Search(FhirTestNode.System, SearchRequestParser.Parse("Observation", [new("patient", ana), new("_include", "Observation:subject")]), "http://localhost/fhir");

        Assert.Equal(3, bundle.Entry.Count(e => e.Search!.Mode == Bundle.SearchEntryMode.Match));
        var included = Assert.Single(bundle.Entry, e => e.Search!.Mode == Bundle.SearchEntryMode.Include);
        Assert.Equal(ana, included.Resource!.Id);
    }

    [Fact]
    public async System.Threading.Tasks.Task Paging_links_walk_every_match_once_even_while_new_resources_arrive()
    {
        var seen = new List<string>();
        var url = "Observation?_count=1&_sort=date";
        var pages = 0;
        while (url is not null)
        {
            var response = await node.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await FhirTestNode.ReadAsync<Bundle>(response);
            seen.AddRange(page.Entry.Select(e => e.Resource!.Id!));
            url = page.Link.FirstOrDefault(l => l.Relation == "next")?.Url;
            if (pages++ == 0)
            {
                Assert.DoesNotContain(page.Link, l => l.Relation == "previous");
                await Create(new Observation { Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "8302-2"), Effective = new FhirDateTime("2019-01-01") });
            }
            else
            {
                Assert.Contains(page.Link, l => l.Relation == "previous");
            }
        }

        Assert.Equal(4, seen.Count);
        Assert.Equal(4, seen.Distinct().Count());
    }

    [Fact]
    public void Total_is_given_when_asked_and_count_zero_returns_no_entries()
    {
        var bundle = node.Service.Search(FhirTestNode.System, SearchRequestParser.Parse("Observation", [new("_total", "accurate"), new("_count", "0")]), "http://localhost/fhir");

        Assert.Equal(4, bundle.Total);
        Assert.Empty(bundle.Entry);
    }

    [Fact]
    public void Search_indexes_hold_no_name_or_identifier_in_clear()
    {
        var text = string.Concat(Directory.GetFiles(node.DataDirectory, "vault.db*")
            .Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));

        Assert.True(text.Length > 10_000);
        Assert.DoesNotContain("Miller", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("General Hospital", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("urn:test:mrn", text, StringComparison.Ordinal);
        Assert.DoesNotContain("555-0101", text, StringComparison.Ordinal);
    }
}
