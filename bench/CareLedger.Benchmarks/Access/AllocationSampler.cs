using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace CareLedger.Benchmarks.Access;

/// <summary>
/// What a run allocates, by type: the runtime's allocation ticks (<c>GCAllocationTick</c>, one event per ≈ 100 KB
/// allocated, naming the type of the object that crossed the mark and the bytes since the last one), summed by type
/// while <see cref="Enabled"/>. A sample, not a count: a type's share of the ticks estimates its share of the bytes.
/// Used by <c>door --alloc-types</c>, best with one mode per run (the events arrive with a delay, so a mode's ticks can
/// spill into the next slice).
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    public volatile bool Enabled;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!Enabled || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal)
            || eventData.PayloadNames is not { } names || eventData.Payload is not { } payload)
        {
            return;
        }

        var type = names.IndexOf("TypeName") is var t and >= 0 ? payload[t] as string ?? "?" : "?";
        var amount = names.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(payload[a], CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    /// <summary>The types with the most sampled bytes, as estimated bytes per read.</summary>
    public void Report(long reads, int top = 120)
    {
        var total = _bytes.Values.Sum();
        Console.WriteLine();
        Console.WriteLine($"allocation ticks by type over {reads:N0} timed reads: {total / (double)Math.Max(1, reads):N0} sampled bytes per read");
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(top))
        {
            Console.WriteLine($"  {bytes / (double)Math.Max(1, reads),9:N1} B/read  {100.0 * bytes / Math.Max(1, total),5:F1} %  {type}");
        }
    }
}
