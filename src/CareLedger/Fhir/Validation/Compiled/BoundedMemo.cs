using System.Collections.Concurrent;

namespace CareLedger.Fhir.Validation.Compiled;

/// <summary>
/// Remembers answers up to a fixed number of keys, so that a stream of distinct values cannot grow it without limit;
/// beyond that, answers are computed every time.
/// </summary>
internal sealed class BoundedMemo<TKey>(int capacity) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, bool> answers = new();

    /// <summary>The remembered answer for the key, or the answer computed from the state (a static lambda: nothing allocated per call).</summary>
    public bool GetOrAdd<TState>(TKey key, TState state, Func<TState, bool> answer)
    {
        if (answers.TryGetValue(key, out var known))
        {
            return known;
        }

        var computed = answer(state);
        if (answers.Count < capacity)
        {
            answers.TryAdd(key, computed);
        }

        return computed;
    }
}
