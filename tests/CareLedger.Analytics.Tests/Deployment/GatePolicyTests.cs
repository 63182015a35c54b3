using System.Text;
using CareLedger.Analytics.Deployment;

namespace CareLedger.Analytics.Tests.Deployment;

public sealed class GatePolicyTests
{
    [Fact]
    public void The_canonical_json_of_the_default_policy_is_frozen()
    {
        var json = Encoding.UTF8.GetString(GatePolicy.Default.ToCanonicalJson());

        Assert.Equal(
            """{"maxDemographicParityDifference":null,"maxEqualizedOddsDifference":0.1,"maxExpectedCalibrationError":null,"minAuroc":0.8,"minSubgroupAuroc":null,"schema":"careledger-gate-policy/v1"}""",
            json);
    }

    [Fact]
    public void A_policy_round_trips_through_its_canonical_json()
    {
        var policy = new GatePolicy
        {
            MinAuroc = 0.83,
            MaxEqualizedOddsDifference = null,
            MaxDemographicParityDifference = 0.25,
            MaxExpectedCalibrationError = 0.05,
            MinSubgroupAuroc = 0.7,
        };

        var parsed = GatePolicy.Parse(policy.ToCanonicalJson());

        Assert.Equal(policy, parsed);
        Assert.Equal(policy.ToCanonicalJson(), parsed.ToCanonicalJson());
    }

    [Theory]
    [InlineData("""{"maxDemographicParityDifference":null,"maxEqualizedOddsDifference":0.1,"maxExpectedCalibrationError":null,"minAuroc":0.8,"minSubgroupAuroc":null}""", "exactly the members")]
    [InlineData("""{"maxDemographicParityDifference":null,"maxEqualizedOddsDifference":0.1,"maxExpectedCalibrationError":null,"minAuroc":0.8,"minSubgroupAuroc":null,"schema":"careledger-gate-policy/v1","x":1}""", "exactly the members")]
    [InlineData("""{"maxDemographicParityDifference":null,"maxEqualizedOddsDifference":0.1,"maxExpectedCalibrationError":null,"minAuroc":null,"minSubgroupAuroc":null,"schema":"careledger-gate-policy/v1"}""", "minAuroc is required")]
    [InlineData("""{"maxDemographicParityDifference":null,"maxEqualizedOddsDifference":"0.1","maxExpectedCalibrationError":null,"minAuroc":0.8,"minSubgroupAuroc":null,"schema":"careledger-gate-policy/v1"}""", "must be a number")]
    [InlineData("""{"maxDemographicParityDifference":null,"maxEqualizedOddsDifference":1.5,"maxExpectedCalibrationError":null,"minAuroc":0.8,"minSubgroupAuroc":null,"schema":"careledger-gate-policy/v1"}""", "between 0 and 1")]
    [InlineData("""{"maxDemographicParityDifference":null,"maxEqualizedOddsDifference":0.1,"maxExpectedCalibrationError":null,"minAuroc":0.8,"minSubgroupAuroc":null,"schema":"careledger-gate-policy/v2"}""", "schema")]
    [InlineData("""[1]""", "JSON object")]
    public void Anything_but_a_policy_of_this_schema_is_refused(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => GatePolicy.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_limit_outside_zero_to_one_cannot_be_set()
    {
        Assert.Throws<ArgumentException>(() => (GatePolicy.Default with { MinAuroc = -0.1 }).ToCanonicalJson());
        Assert.Throws<ArgumentException>(() => (GatePolicy.Default with { MaxExpectedCalibrationError = double.NaN }).Validate());
    }
}
