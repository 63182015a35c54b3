using CareLedger.Consent.Compilation;
using CareLedger.Consent.Evaluation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Profiles;
using CareLedger.Consent.Tests.Fixtures;
using static CareLedger.Consent.Tests.Fixtures.Given;

namespace CareLedger.Consent.Tests;

public sealed class StableWindowTests
{
    private static readonly DateTimeOffset T1 = Now.AddHours(1);
    private static readonly DateTimeOffset T2 = Now.AddHours(2);
    private static readonly DateTimeOffset T3 = Now.AddHours(3);

    [Fact]
    public void A_set_without_periods_is_stable_for_ever()
    {
        var set = CompiledConsentSet.Compile(Patient, [Privacy("c-1", Permit() with { Actors = [Actor("Organization/hosp-a")] })]);

        Assert.Equal((DateTimeOffset.MinValue, DateTimeOffset.MaxValue), set.StableWindow(Now));
        Assert.Equal((DateTimeOffset.MinValue, DateTimeOffset.MaxValue), CompiledConsentSet.Empty(Patient).StableWindow(Now));
    }

    [Fact]
    public void The_window_is_bounded_by_the_nearest_period_boundaries_of_consents_and_nested_provisions()
    {
        var set = CompiledConsentSet.Compile(Patient,
        [
            Privacy("c-1", Permit() with { Period = new Period(null, T3) }),
            Privacy("c-2", Deny(Permit() with { Period = new Period(T1, null), Actors = [Actor("Organization/hosp-a")] })),
        ]);

        Assert.Equal((DateTimeOffset.MinValue, T1), set.StableWindow(Now));
        // A boundary belongs to the window it opens: the comparisons are start <= t and t < end.
        Assert.Equal((T1, T3), set.StableWindow(T1));
        Assert.Equal((T1, T3), set.StableWindow(T2));
        Assert.Equal((T3, DateTimeOffset.MaxValue), set.StableWindow(T3));
    }

    [Fact]
    public void A_data_period_is_not_a_boundary_it_is_compared_with_the_data_time()
    {
        var set = CompiledConsentSet.Compile(Patient, [Privacy("c-1", Permit() with { DataPeriod = new Period(T1, T2) })]);

        Assert.Equal((DateTimeOffset.MinValue, DateTimeOffset.MaxValue), set.StableWindow(Now));
    }

    [Fact]
    public void Every_decision_within_a_window_equals_the_decision_at_its_start()
    {
        var set = CompiledConsentSet.Compile(Patient,
        [
            Privacy("c-1", Permit() with { Period = new Period(T1, T3) }),
            Privacy("c-2", Deny(Permit() with { Period = new Period(null, T2), Actors = [Actor("Organization/hosp-a")] })),
        ]);
        var engine = new ConsentEngine(JurisdictionProfile.OptIn);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var at = Now; at <= Now.AddHours(4); at = at.AddMinutes(15))
        {
            var (from, until) = set.StableWindow(at);
            Assert.True(from <= at && at < until);
            var here = engine.Decide(set, Read.At(at));
            var atStart = engine.Decide(set, Read.At(from == DateTimeOffset.MinValue ? Now : from));
            var beforeEnd = engine.Decide(set, Read.At(until == DateTimeOffset.MaxValue ? at : until.AddTicks(-1)));
            Assert.Equal(here.Reasons.Select(r => r.Message), atStart.Reasons.Select(r => r.Message));
            Assert.Equal(here.Reasons.Select(r => r.Message), beforeEnd.Reasons.Select(r => r.Message));
            seen.Add($"{here.Effect}: {string.Join(" ", here.Reasons.Select(r => r.Message))}");
        }

        // The walk crossed boundaries that change the decision: not a vacuous check.
        Assert.True(seen.Count >= 4, string.Join(" | ", seen));
    }
}
