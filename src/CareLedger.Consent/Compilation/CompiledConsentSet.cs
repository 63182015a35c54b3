using CareLedger.Consent.Model;
using CareLedger.Consent.Validation;

namespace CareLedger.Consent.Compilation;

/// <summary>
/// All consents of one patient, validated and precompiled for fast, allocation-light decisions. Immutable and safe
/// to share between threads; compile a new set when the patient's consents change (grant, revoke, expire).
/// </summary>
public sealed class CompiledConsentSet
{
    // Every start and end of a consent's or provision's period (UTC ticks), ascending and distinct: the only instants at
    // which the passage of time alone can change a decision of this set (ConsentEvaluator, ProvisionMatcher).
    private readonly long[] _periodBoundaries;

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
        _periodBoundaries = PeriodBoundaries(provisions);
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

    /// <summary>
    /// The interval around <paramref name="at"/>, half-open <c>[From, Until)</c>, within which every request to this set
    /// that carries neither break-glass nor a delegation is decided exactly as at <paramref name="at"/>: it is bounded by
    /// the nearest starts and ends of the consents' and provisions' periods, the only instants at which time alone changes
    /// a decision (a data period is compared with the data's own time, not the request's). An open end is
    /// <see cref="DateTimeOffset.MinValue"/> or <see cref="DateTimeOffset.MaxValue"/>. Break-glass expiries and delegation
    /// periods belong to the request, not to the set, and are not covered.
    /// </summary>
    public (DateTimeOffset From, DateTimeOffset Until) StableWindow(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        // The first boundary after the instant: the window ends there and starts at the boundary before it.
        var index = Array.BinarySearch(_periodBoundaries, ticks);
        var next = index >= 0 ? index + 1 : ~index;
        var from = next > 0 ? new DateTimeOffset(_periodBoundaries[next - 1], TimeSpan.Zero) : DateTimeOffset.MinValue;
        var until = next < _periodBoundaries.Length ? new DateTimeOffset(_periodBoundaries[next], TimeSpan.Zero) : DateTimeOffset.MaxValue;
        return (from, until);
    }

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

    private static long[] PeriodBoundaries(CompiledProvision[] provisions)
    {
        var boundaries = new SortedSet<long>();
        foreach (var provision in provisions)
        {
            // long.MinValue / long.MaxValue stand for an open end: no instant at which anything changes.
            if (provision.PeriodStart != long.MinValue)
            {
                boundaries.Add(provision.PeriodStart);
            }

            if (provision.PeriodEnd != long.MaxValue)
            {
                boundaries.Add(provision.PeriodEnd);
            }
        }

        return [.. boundaries];
    }
}
