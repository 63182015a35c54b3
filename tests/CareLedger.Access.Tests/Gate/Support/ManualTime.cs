namespace CareLedger.Access.Tests.Gate.Support;

/// <summary>A clock the test sets by hand.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
