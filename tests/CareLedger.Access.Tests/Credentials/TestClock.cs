namespace CareLedger.Access.Tests.Credentials;

/// <summary>A clock that stands still until a test moves it.</summary>
internal sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
