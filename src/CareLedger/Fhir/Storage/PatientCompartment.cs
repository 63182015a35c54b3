using CareLedger.Vault.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Storage;

/// <summary>
/// Which patient a resource belongs to, which selects its encryption compartment (and so what crypto-shredding
/// that patient destroys): the Patient itself, or the patient its <c>patient</c> / <c>subject</c> search parameter
/// points to. Resources that belong to no patient (Organization, Practitioner, ...) are the organisation's.
/// </summary>
public static class PatientCompartment
{
    public static string? PatientIdOf(Resource resource, IReadOnlyList<IndexEntry> index)
    {
        if (resource is Patient)
        {
            return resource.Id;
        }

        string? fromSubject = null;
        foreach (var entry in index)
        {
            if (entry.Kind != IndexKind.Reference || entry.ReferenceTarget is not { } target || !target.StartsWith("Patient/", StringComparison.Ordinal))
            {
                continue;
            }

            if (entry.Parameter == "patient")
            {
                return target["Patient/".Length..];
            }

            if (entry.Parameter == "subject")
            {
                fromSubject ??= target["Patient/".Length..];
            }
        }

        return fromSubject;
    }
}
