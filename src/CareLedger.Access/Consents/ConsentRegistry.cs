using System.Collections.Concurrent;
using CareLedger.Access.Records;
using CareLedger.Consent.Compilation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Validation;

namespace CareLedger.Access.Consents;

/// <summary>
/// Every patient's consents, compiled once per change: loaded from the patient's current <c>Consent</c> resources in
/// the vault, cached by the vault pseudonym, and dropped by <see cref="Invalidate"/> when a Consent of the patient is
/// written, so that a grant or revocation applies to the very next request. A set whose stored consents do not
/// compile is cached as that failure: the door then permits nothing by consent for the patient (fail closed).
/// </summary>
public sealed class ConsentRegistry
{
    private const string ConsentType = "Consent";

    private readonly RecordReader _records;
    private readonly Func<string, byte[]?> _pseudonymOf;
    private readonly int _capacity;
    // Keyed by the pseudonym's bytes (compared by content), not by its hex text: the door asks on every clinician read,
    // and a hex string made per read only to look the set up was garbage.
    private readonly ConcurrentDictionary<byte[], Entry> _cache = new(PseudonymComparer.Instance);

    // Bumped by every invalidation: a load that raced with one does not cache what it read before it.
    private long _generation;

    internal ConsentRegistry(RecordReader records, Func<string, byte[]?> pseudonymOf, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _records = records;
        _pseudonymOf = pseudonymOf;
        _capacity = capacity;
    }

    /// <summary>How many patients' sets are cached now.</summary>
    public int CachedPatients => _cache.Count;

    /// <summary>The consent engine's id of a patient: the vault pseudonym as lowercase hex (no personal data).</summary>
    public static PatientId PatientIdOf(byte[] pseudonym)
    {
        ArgumentNullException.ThrowIfNull(pseudonym);
        return new PatientId(Convert.ToHexStringLower(pseudonym));
    }

    /// <summary>The patient's compiled consents (an empty set when they have none).</summary>
    /// <exception cref="ConsentValidationException">The patient's stored consents do not convert or compile; lists every problem.</exception>
    public CompiledConsentSet For(byte[] pseudonym)
    {
        ArgumentNullException.ThrowIfNull(pseudonym);
        if (!_cache.TryGetValue(pseudonym, out var entry))
        {
            var generation = Interlocked.Read(ref _generation);
            entry = Load(pseudonym);
            if (Interlocked.Read(ref _generation) == generation)
            {
                if (_cache.Count >= _capacity)
                {
                    // Crude but bounded: sets are cheap to rebuild, and a full cache means many patients are active.
                    _cache.Clear();
                }

                // A copy: the caller's array is not ours to keep (nor to have changed under the cache's key).
                _cache[(byte[])pseudonym.Clone()] = entry;
            }
        }

        return entry.Set ?? throw new ConsentValidationException(entry.Problems);
    }

    /// <summary>Drops the patient's cached set; the next request loads the consents again.</summary>
    public void Invalidate(byte[] pseudonym)
    {
        ArgumentNullException.ThrowIfNull(pseudonym);
        Interlocked.Increment(ref _generation);
        _cache.TryRemove(pseudonym, out _);
    }

    /// <summary>
    /// The patient's stored consents converted to the model, with every conversion problem; the Consents' ids are
    /// their logical ids in the vault.
    /// </summary>
    internal (List<ConsentDirective> Directives, List<ConsentProblem> Problems) Stored(byte[] pseudonym, FhirConsentMapper mapper)
    {
        var stored = _records.CurrentInCompartment(pseudonym, ConsentType);
        var directives = new List<ConsentDirective>(stored.Count);
        var problems = new List<ConsentProblem>();
        try
        {
            foreach (var record in stored)
            {
                var mapping = mapper.Map(record.Content, record.Address.Id);
                problems.AddRange(mapping.Problems);
                if (mapping.Directive is { } directive)
                {
                    directives.Add(directive);
                }
            }
        }
        finally
        {
            RecordReader.Forget(stored);
        }

        return (directives, problems);
    }

    /// <summary>Maps FHIR patient ids through the vault, as stored Consents name their patient.</summary>
    internal FhirConsentMapper Mapper() => new(PatientIdOfPatient);

    /// <summary>The engine's id of the patient with this FHIR logical id; null if the patient has no records here.</summary>
    internal PatientId? PatientIdOfPatient(string patientId) =>
        _pseudonymOf(patientId) is { } pseudonym ? PatientIdOf(pseudonym) : null;

    private Entry Load(byte[] pseudonym)
    {
        var (directives, problems) = Stored(pseudonym, Mapper());
        try
        {
            var set = CompiledConsentSet.Compile(PatientIdOf(pseudonym), directives);
            return new Entry(problems.Count == 0 ? set : null, problems);
        }
        catch (ConsentValidationException e)
        {
            problems.AddRange(e.Problems);
            return new Entry(null, problems);
        }
    }

    private sealed record Entry(CompiledConsentSet? Set, IReadOnlyList<ConsentProblem> Problems);

    /// <summary>Pseudonyms are equal when their bytes are.</summary>
    private sealed class PseudonymComparer : IEqualityComparer<byte[]>
    {
        public static readonly PseudonymComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
