using System.Collections.Concurrent;

namespace CareLedger.Fhir.Validation.Compiled;

/// <summary>
/// Remembers answers up to a fixed number of keys, so that a stream of distinct values cannot grow it without limit;
/// beyond that, answers are computed every time.
/// </summary>
internal sealed class BoundedMemo<TKey>(int capacity) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, bool> answers = new();

    public bool GetOrAdd(TKey key, Func<bool> answer)
    {
        if (answers.TryGetValue(key, out var known))
        {
            return known;
        }

        var computed = answer();
        if (answers.Count < capacity)
        {
            answers.TryAdd(key, computed);
        }

        return computed;
    }
}
