using CareLedger.Access.Gate;
using CareLedger.Consent.Compilation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Validation;

namespace CareLedger.Access.Consents;

/// <summary>
/// Checks Consent writes against the set the patient would hold afterwards (the stored consents, with the written
/// ones replacing or removing those of the same id): a Consent that does not convert, or a set that does not compile,
/// refuses the writes with every problem listed.
/// </summary>
internal static class ConsentWriteCheck
{
    // The engine needs some id for a patient who has no compartment yet; it never leaves this check.
    private const string NewPatient = "patient-without-records";

    /// <exception cref="ConsentValidationException">Lists every problem of the would-be set.</exception>
    public static void Validate(ConsentRegistry registry, byte[]? pseudonym, string? patientId, IReadOnlyList<WriteIntent> consentWrites)
    {
        var patient = pseudonym is null ? new PatientId(NewPatient) : ConsentRegistry.PatientIdOf(pseudonym);
        var stored = registry.Mapper();
        var mapper = new FhirConsentMapper(id => string.Equals(id, patientId, StringComparison.Ordinal)
            ? patient
            : registry.PatientIdOfPatient(id));

        var (directives, problems) = pseudonym is null ? ([], []) : registry.Stored(pseudonym, stored);
        var written = new HashSet<string>(consentWrites.Select(w => w.Id), StringComparer.Ordinal);
        directives.RemoveAll(d => d.Id.Value is { } id && written.Contains(id));
        problems.RemoveAll(p => p.Consent is { } id && written.Contains(id.Value));

        foreach (var write in consentWrites)
        {
            if (write.Action == AccessAction.Delete)
            {
                continue;
            }

            var mapping = mapper.Map(write.Json.Span, write.Id);
            problems.AddRange(mapping.Problems);
            if (mapping.Directive is { } directive)
            {
                directives.Add(directive);
            }
        }

        try
        {
            CompiledConsentSet.Compile(patient, directives);
        }
        catch (ConsentValidationException e)
        {
            problems.AddRange(e.Problems);
        }

        if (problems.Count > 0)
        {
            throw new ConsentValidationException(problems);
        }
    }
}
