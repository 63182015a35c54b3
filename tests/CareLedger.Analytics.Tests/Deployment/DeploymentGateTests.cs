using System.Security.Cryptography;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Tests.Registry;

namespace CareLedger.Analytics.Tests.Deployment;

public class DeploymentGateTests
{
    // SampleCards.Fixed(): mean AUROC 0.75, ECE 0.125; by sex: equalised odds difference 0.5, demographic parity 0.
    private static readonly GatePolicy Lenient = new() { MinAuroc = 0.7, MaxEqualizedOddsDifference = 0.6 };

    [Fact]
    public void A_model_within_every_limit_passes()
    {
        var decision = DeploymentGate.Evaluate(Lenient, SampleCards.Fixed());

        Assert.True(decision.Passed);
        Assert.True(decision.Deployable);
        Assert.Empty(decision.Reasons);
        Assert.Equal(["auroc", "equalized-odds"], decision.Checks.Select(c => c.Criterion));
    }

    [Fact]
    public void Each_exceeded_limit_is_a_reason_with_the_measured_value_and_the_limit()
    {
        var policy = new GatePolicy { MinAuroc = 0.8, MaxEqualizedOddsDifference = 0.1, MaxExpectedCalibrationError = 0.2 };

        var decision = DeploymentGate.Evaluate(policy, SampleCards.Fixed());

        Assert.False(decision.Passed);
        Assert.False(decision.Deployable);
        Assert.Equal(
            ["cross-validated AUROC is 0.7500 < 0.8000", "equalised odds difference by sex is 0.5000 > 0.1000"],
            decision.Reasons);
        Assert.Contains(decision.Checks, c => c is { Criterion: "calibration", Passed: true });
    }

    [Fact]
    public void Subgroup_auroc_limits_apply_only_where_the_auroc_is_defined()
    {
        var decision = DeploymentGate.Evaluate(Lenient with { MinSubgroupAuroc = 0.9 }, SampleCards.Fixed());

        var subgroup = Assert.Single(decision.Checks, c => c.Criterion == "subgroup-auroc");
        Assert.Equal("AUROC of sex = male is 1.0000 ≥ 0.9000", subgroup.Detail);
    }

    [Fact]
    public void Fairness_limits_without_a_bias_report_fail()
    {
        var decision = DeploymentGate.Evaluate(Lenient, SampleCards.Fixed() with { Bias = null });

        Assert.False(decision.Passed);
        Assert.Contains("no bias audit", Assert.Single(decision.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void An_override_is_data_whose_signature_covers_the_model_the_failures_and_the_reason()
    {
        var card = SampleCards.Fixed();
        var decision = DeploymentGate.Evaluate(GatePolicy.Default, card);
        var time = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        using var officer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string actor = "key:3f9a";
        const string reason = "approved for a supervised pilot; re-audit after 500 predictions";
        var signature = officer.SignData(GateOverride.SigningPayload(card.ModelSha256, decision, actor, reason, time), HashAlgorithmName.SHA256);

        var overridden = decision.WithOverride(new GateOverride(actor, reason, time, signature));

        Assert.False(overridden.Passed);
        Assert.True(overridden.Deployable);
        var recorded = overridden.Override!;
        var payload = GateOverride.SigningPayload(card.ModelSha256, overridden, recorded.Actor, recorded.Reason, recorded.Time);
        Assert.True(officer.VerifyData(payload, recorded.Signature, HashAlgorithmName.SHA256));
        Assert.False(officer.VerifyData(
            GateOverride.SigningPayload(card.ModelSha256, overridden, recorded.Actor, "another reason", recorded.Time),
            recorded.Signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public void The_signing_payload_is_domain_separated_canonical_json()
    {
        var decision = DeploymentGate.Evaluate(new GatePolicy { MinAuroc = 0.8, MaxEqualizedOddsDifference = null }, SampleCards.Fixed());

        var payload = System.Text.Encoding.UTF8.GetString(
            GateOverride.SigningPayload("ab", decision, "key:1", "pilot", new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero)));

        Assert.Equal(
            "careledger/gate-override/v1\n{\"actor\":\"key:1\",\"failedCriteria\":[\"cross-validated AUROC is 0.7500 < 0.8000\"],"
            + "\"modelSha256\":\"ab\",\"reason\":\"pilot\",\"time\":\"2026-12-01T08:00:00.0000000Z\"}",
            payload);
    }

    [Fact]
    public void A_passing_decision_cannot_be_overridden()
    {
        var decision = DeploymentGate.Evaluate(Lenient, SampleCards.Fixed());

        Assert.Throws<InvalidOperationException>(() =>
            decision.WithOverride(new GateOverride("key:1", "reason", DateTimeOffset.UnixEpoch, [1])));
    }

    [Fact]
    public void An_unsigned_override_is_rejected()
    {
        var decision = DeploymentGate.Evaluate(GatePolicy.Default, SampleCards.Fixed());

        var e = Assert.Throws<ArgumentException>(() => decision.WithOverride(new GateOverride("key:1", "reason", DateTimeOffset.UnixEpoch, [])));
        Assert.Contains("signature", e.Message, StringComparison.Ordinal);
    }
}
