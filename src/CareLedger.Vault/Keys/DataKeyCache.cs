using System.Security.Cryptography;

namespace CareLedger.Vault.Keys;

/// <summary>
/// Unwrapped data keys of recently used compartments (least recently used is evicted), because every read needs
/// one and unwrapping may be a KMS round trip. Callers copy a key out under the lock, so an evicted or shredded
/// key can be zeroed at once without racing a reader that is still using it.
/// </summary>
internal sealed class DataKeyCache : IDisposable
{
    private readonly Lock _gate = new();
    private readonly int _capacity;
    private readonly Dictionary<long, LinkedListNode<(long Compartment, byte[] Key)>> _byCompartment = [];
    private readonly LinkedList<(long Compartment, byte[] Key)> _recency = new();

    // Shredded compartments: a reader that unwrapped a key just before the shred must not cache it afterwards.
    private readonly HashSet<long> _forgotten = [];

    public DataKeyCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byCompartment.Count;
            }
        }
    }

    public bool TryCopy(long compartment, Span<byte> destination)
    {
        lock (_gate)
        {
            if (!_byCompartment.TryGetValue(compartment, out var node))
            {
                return false;
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            node.Value.Key.CopyTo(destination);
            return true;
        }
    }

    public void Add(long compartment, ReadOnlySpan<byte> key)
    {
        lock (_gate)
        {
            if (_byCompartment.ContainsKey(compartment) || _forgotten.Contains(compartment))
            {
                return;
            }

            if (_byCompartment.Count >= _capacity)
            {
                var oldest = _recency.Last!;
                RemoveNode(oldest);
            }

            _byCompartment[compartment] = _recency.AddFirst((compartment, key.ToArray()));
        }
    }

    /// <summary>Drops a key whose compartment was rolled back (its id may be used again).</summary>
    public void Remove(long compartment)
    {
        lock (_gate)
        {
            if (_byCompartment.TryGetValue(compartment, out var node))
            {
                RemoveNode(node);
            }
        }
    }

    /// <summary>Drops a shredded compartment's key and never caches it again.</summary>
    public void Forget(long compartment)
    {
        lock (_gate)
        {
            _forgotten.Add(compartment);
            if (_byCompartment.TryGetValue(compartment, out var node))
            {
                RemoveNode(node);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            while (_recency.First is { } node)
            {
                RemoveNode(node);
            }
        }
    }

    private void RemoveNode(LinkedListNode<(long Compartment, byte[] Key)> node)
    {
        _recency.Remove(node);
        _byCompartment.Remove(node.Value.Compartment);
        CryptographicOperations.ZeroMemory(node.Value.Key);
    }
}
