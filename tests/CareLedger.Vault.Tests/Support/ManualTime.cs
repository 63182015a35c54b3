namespace CareLedger.Vault.Tests.Support;

/// <summary>A clock the test moves by hand, so LastUpdated values are known.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
