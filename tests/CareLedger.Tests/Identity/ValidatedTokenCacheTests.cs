using CareLedger.Identity.Api;
using CareLedger.Identity.Scopes;

namespace CareLedger.Tests.Identity;

public sealed class ValidatedTokenCacheTests
{
    private static readonly CallerContext Caller = new("sub-1", CareLedgerRole.System, null, "Org", null, ScopeSet.Parse("system/*.rs"), "c1");

    [Fact]
    public void A_validated_token_is_remembered_until_it_expires_and_not_a_moment_longer()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var cache = new ValidatedTokenCache(clock);
        cache.Add("token-a", Caller, clock.GetUtcNow().AddMinutes(15));

        Assert.True(cache.TryGet("token-a", out var found));
        Assert.Same(Caller, found);
        Assert.False(cache.TryGet("token-b", out _));

        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.False(cache.TryGet("token-a", out _));
    }

    [Fact]
    public void A_token_without_an_expiry_or_already_expired_is_never_remembered()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var cache = new ValidatedTokenCache(clock);

        cache.Add("no-exp", Caller, null);
        cache.Add("expired", Caller, clock.GetUtcNow().AddSeconds(-1));

        Assert.False(cache.TryGet("no-exp", out _));
        Assert.False(cache.TryGet("expired", out _));
    }

    [Fact]
    public void A_full_cache_starts_over_rather_than_growing()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var cache = new ValidatedTokenCache(clock, capacity: 2);
        cache.Add("t1", Caller, clock.GetUtcNow().AddMinutes(1));
        cache.Add("t2", Caller, clock.GetUtcNow().AddMinutes(1));

        cache.Add("t3", Caller, clock.GetUtcNow().AddMinutes(1));

        Assert.False(cache.TryGet("t1", out _));
        Assert.True(cache.TryGet("t3", out _));
    }
}
