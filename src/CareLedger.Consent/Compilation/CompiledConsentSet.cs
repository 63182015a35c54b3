using CareLedger.Consent.Model;
using CareLedger.Consent.Validation;

namespace CareLedger.Consent.Compilation;

/// <summary>
/// All consents of one patient, validated and precompiled for fast, allocation-light decisions. Immutable and safe
/// to share between threads; compile a new set when the patient's consents change (grant, revoke, expire).
/// </summary>
public sealed class CompiledConsentSet
{
    internal CompiledConsentSet(
        PatientId patient,
        CompiledConsent[] consents,
        CompiledProvision[] provisions,
        int[] codingPool,
        ActorEntry[] actorPool,
        DataEntry[] dataPool,
        Dictionary<Coding, int> codingIds,
        Dictionary<string, int> referenceIds)
    {
        Patient = patient;
        Consents = consents;
        Provisions = provisions;
        CodingPool = codingPool;
        ActorPool = actorPool;
        DataPool = dataPool;
        CodingIds = codingIds;
        ReferenceIds = referenceIds;
    }

    public PatientId Patient { get; }

    public int ConsentCount => Consents.Length;

    public int ProvisionCount => Provisions.Length;

    /// <summary>Consents ordered by id (ordinal), so that evaluation order never depends on input order.</summary>
    internal CompiledConsent[] Consents { get; }

    internal CompiledProvision[] Provisions { get; }

    internal int[] CodingPool { get; }

    internal ActorEntry[] ActorPool { get; }

    internal DataEntry[] DataPool { get; }

    internal Dictionary<Coding, int> CodingIds { get; }

    internal Dictionary<string, int> ReferenceIds { get; }

    /// <summary>A patient without consents: every decision falls to the jurisdiction profile.</summary>
    public static CompiledConsentSet Empty(PatientId patient) => Compile(patient, []);

    /// <summary>
    /// Validates every consent (all of them, whatever their status) and compiles them.
    /// </summary>
    /// <exception cref="ConsentValidationException">
    /// Any consent is malformed or contradictory, belongs to another patient, or shares its id with another; lists every problem.
    /// </exception>
    public static CompiledConsentSet Compile(PatientId patient, IEnumerable<ConsentDirective> consents)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(patient.Value, nameof(patient));
        ArgumentNullException.ThrowIfNull(consents);

        var list = consents.ToList();
        var problems = new List<ConsentProblem>();
        var seen = new HashSet<ConsentId>();
        foreach (var consent in list)
        {
            ConsentValidator.Validate(consent, problems);
            if (consent is null)
            {
                continue;
            }

            if (consent.Patient.Value is not null && consent.Patient != patient)
            {
                problems.Add(new ConsentProblem(consent.Id, "patient", "belongs to another patient than this consent set"));
            }

            if (consent.Id.Value is not null && !seen.Add(consent.Id))
            {
                problems.Add(new ConsentProblem(consent.Id, "id", "is used by more than one consent"));
            }
        }

        if (problems.Count > 0)
        {
            throw new ConsentValidationException(problems);
        }

        list.Sort((a, b) => string.CompareOrdinal(a.Id.Value, b.Id.Value));
        var builder = new ConsentSetBuilder();
        foreach (var consent in list)
        {
            builder.Add(consent);
        }

        return builder.Build(patient);
    }
}
