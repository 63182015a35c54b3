using System.Collections.Concurrent;

namespace CareLedger.Access.Gate;

/// <summary>
/// Which pseudonym is which patient's, remembered so that a patient reading their own records costs no vault lookup.
/// Safe to remember: a pseudonym is random and never given to anyone else, so a remembered one can only fail to match
/// (after an erasure gave the patient a new one), and a mismatch is looked up again before it refuses.
/// </summary>
internal sealed class PatientPseudonyms(Func<string, byte[]?> lookup, int capacity)
{
    private readonly ConcurrentDictionary<string, byte[]> _known = new(StringComparer.Ordinal);

    public bool IsPatients(string patientId, ReadOnlySpan<byte> pseudonym)
    {
        if (_known.TryGetValue(patientId, out var remembered) && remembered.AsSpan().SequenceEqual(pseudonym))
        {
            return true;
        }

        if (lookup(patientId) is not { } current)
        {
            _known.TryRemove(patientId, out _);
            return false;
        }

        if (_known.Count >= capacity)
        {
            _known.Clear();
        }

        _known[patientId] = current;
        return current.AsSpan().SequenceEqual(pseudonym);
    }
}
