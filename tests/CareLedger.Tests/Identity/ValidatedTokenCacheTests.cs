using CareLedger.Access.Gate;
using CareLedger.Identity.Accounts;
using CareLedger.Identity.Api;
using CareLedger.Identity.Scopes;
using Microsoft.AspNetCore.Http;

namespace CareLedger.Tests.Identity;

public sealed class ValidatedTokenCacheTests
{
    private static readonly CallerContext Caller = new("sub-1", CareLedgerRole.System, null, "Org", null, ScopeSet.Parse("system/*.rs"), "c1");
    private static readonly ValidatedCaller Validated = new(Caller);

    [Fact]
    public void A_validated_token_is_remembered_until_it_expires_and_not_a_moment_longer()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var cache = new ValidatedTokenCache(clock);
        cache.Add("token-a", Validated, clock.GetUtcNow().AddMinutes(15));

        Assert.True(cache.TryGet("token-a", out var found));
        Assert.Same(Caller, found.Caller);
        Assert.False(cache.TryGet("token-b", out _));

        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.False(cache.TryGet("token-a", out _));
    }

    [Fact]
    public void A_token_without_an_expiry_or_already_expired_is_never_remembered()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var cache = new ValidatedTokenCache(clock);

        cache.Add("no-exp", Validated, null);
        cache.Add("expired", Validated, clock.GetUtcNow().AddSeconds(-1));

        Assert.False(cache.TryGet("no-exp", out _));
        Assert.False(cache.TryGet("expired", out _));
    }

    [Fact]
    public void A_token_remembered_by_its_header_matches_only_the_same_characters_and_expires_with_its_exp()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var cache = new ValidatedTokenCache(clock);
        var other = new ValidatedCaller(Caller with { Subject = "sub-2" });
        var header = "Bearer token-a1";
        cache.Add(header.AsSpan(7), Validated, clock.GetUtcNow().AddMinutes(15), header);
        cache.Add("token-a2", other, clock.GetUtcNow().AddMinutes(15));

        // The header remembered by this thread, sent again (as another string, as another connection would).
        Assert.True(cache.TryGet(("Bearer token-" + "a1").AsSpan(7), out var again, "Bearer token-a1"));
        Assert.Same(Validated, again);
        // A token of the same length, and one that only starts the same: each found by its own digest, or not at all.
        Assert.True(cache.TryGet("token-a2", out var second));
        Assert.Same(other, second);
        Assert.False(cache.TryGet("token-a3", out _, "token-a3"));
        Assert.False(cache.TryGet("token-a", out _));
        Assert.False(cache.TryGet("token-a10", out _));
        Assert.True(cache.TryGet(header.AsSpan(7), out var third, header));
        Assert.Same(Validated, third);

        // Another cache (another host in the process) does not answer from this one's memory.
        Assert.False(new ValidatedTokenCache(clock).TryGet(header.AsSpan(7), out _, header));

        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.False(cache.TryGet(header.AsSpan(7), out _, header));
        Assert.False(cache.TryGet("token-a2", out _));
    }

    [Fact]
    public void A_full_cache_starts_over_rather_than_growing()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var cache = new ValidatedTokenCache(clock, capacity: 2);
        cache.Add("t1", Validated, clock.GetUtcNow().AddMinutes(1));
        cache.Add("t2", Validated, clock.GetUtcNow().AddMinutes(1));

        cache.Add("t3", Validated, clock.GetUtcNow().AddMinutes(1));

        Assert.False(cache.TryGet("t1", out _));
        Assert.True(cache.TryGet("t3", out _));
    }

    [Fact]
    public void The_door_s_view_of_a_cached_caller_is_made_once_with_the_token_and_expires_with_it()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        var cache = new ValidatedTokenCache(clock);
        var clinician = new CallerContext("acct-7", CareLedgerRole.Clinician, FhirReference.Parse("Practitioner/dr-7"), "Org", null,
            ScopeSet.Parse("user/Observation.rs"), "app");
        cache.Add("token-c", new ValidatedCaller(clinician), clock.GetUtcNow().AddMinutes(5));

        Assert.True(cache.TryGet("token-c", out var first));
        Assert.True(cache.TryGet("token-c", out var second));
        Assert.Same(first, second);
        Assert.Same(clinician, first.Caller);
        Assert.Same(first.Accessor, second.Accessor);
        var fresh = clinician.ToAccessor();
        Assert.Equal((fresh.Subject, fresh.Role, fresh.Reference, fresh.Organisation, fresh.PatientId, fresh.ClientId),
            (first.Accessor.Subject, first.Accessor.Role, first.Accessor.Reference, first.Accessor.Organisation, first.Accessor.PatientId, first.Accessor.ClientId));
        Assert.Equal("Practitioner/dr-7", first.Accessor.Reference);
        Assert.True(first.Accessor.Scopes.Permits("Observation", AccessAction.Read));
        Assert.False(first.Accessor.Scopes.Permits("Observation", AccessAction.Create));
        Assert.False(first.Accessor.Scopes.Permits("Patient", AccessAction.Read));

        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.False(cache.TryGet("token-c", out _));
    }

    [Fact]
    public void A_request_gets_the_kept_accessor_only_of_its_own_caller()
    {
        var kept = new ValidatedCaller(Caller);
        var paired = new DefaultHttpContext();
        paired.Features.Set(Caller);
        paired.Features.Set(kept);
        Assert.Same(kept.Accessor, paired.GetAccessor());

        // Another caller set on the request (or no kept view at all): its own accessor, never the kept one.
        var other = Caller with { Subject = "sub-2", Scopes = ScopeSet.Parse("system/Patient.r") };
        var mismatched = new DefaultHttpContext();
        mismatched.Features.Set(other);
        mismatched.Features.Set(kept);
        var accessor = mismatched.GetAccessor();
        Assert.NotSame(kept.Accessor, accessor);
        Assert.Equal("sub-2", accessor.Subject);
        Assert.False(accessor.Scopes.Permits("Observation", AccessAction.Read));
        Assert.True(accessor.Scopes.Permits("Patient", AccessAction.Read));

        var unpaired = new DefaultHttpContext();
        unpaired.Features.Set(Caller);
        Assert.Equal("sub-1", unpaired.GetAccessor().Subject);
        Assert.NotSame(kept.Accessor, unpaired.GetAccessor());
    }
}
