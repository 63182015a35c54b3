using System.Text;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Training;

namespace CareLedger.Analytics.Tests.Registry;

public class ModelCardTests
{
    // Frozen bytes of careledger-model-card/v1 for SampleCards.Fixed(): a change here breaks registered cards' digests.
    private const string FixedCardJson =
        """{"bias":{"attributes":[{"attribute":"sex","demographicParityDifference":0,"equalizedOddsDifference":0.5,"groups":[{"auroc":null,"count":2,"expectedCalibrationError":0.25,"falsePositiveRate":0,"group":"female","positives":1,"reliability":[],"selectionRate":0.5,"truePositiveRate":1},{"auroc":1,"count":2,"expectedCalibrationError":0.1,"falsePositiveRate":0.5,"group":"male","positives":1,"reliability":[],"selectionRate":0.5,"truePositiveRate":0.5}]}],"threshold":0.5},"createdAt":"2026-11-25T09:30:00.0000000Z","features":["glucose","mass"],"intendedUse":{"description":"Screening support for adults","limitations":"not validated for pregnancy","population":"women aged 21 and over","purposeOfUse":"TREAT"},"kind":"logistic-regression","metrics":{"aurocStandardDeviation":0.05,"folds":2,"meanAccuracy":0.75,"meanAuroc":0.75,"meanSensitivity":0.5,"meanSpecificity":1,"outOfFold":{"accuracy":0.75,"auroc":0.75,"brierScore":0.1875,"count":4,"expectedCalibrationError":0.125,"positives":2,"reliability":[{"count":4,"fractionPositive":0.5,"lower":0.1,"meanPredicted":0.15,"upper":0.2}],"sensitivity":0.5,"specificity":1,"threshold":0.5}},"modelSha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","name":"pima-diabetes-risk","outcome":"type 2 diabetes within 5 years","schema":"careledger-model-card/v1","trainingData":{"merkleRoot":"MERKLE","records":2},"version":"1.0.0"}""";

    private static string ExpectedFixedJson() =>
        FixedCardJson.Replace("MERKLE", SampleCards.Fixed().TrainingData.MerkleRoot, StringComparison.Ordinal);

    [Fact]
    public void The_canonical_json_of_a_card_is_frozen()
    {
        Assert.Equal(ExpectedFixedJson(), SampleCards.Fixed().ToJson());
    }

    [Fact]
    public void A_card_round_trips_through_its_canonical_json_byte_for_byte()
    {
        var card = SampleCards.Fixed();
        var json = card.ToCanonicalJson();

        var parsed = ModelCard.Parse(json);

        Assert.Equal(json, parsed.ToCanonicalJson());
        Assert.Equal(card.Digest(), parsed.Digest());
        Assert.Null(parsed.Bias!.Attributes[0].Groups[0].Auroc);
    }

    [Fact]
    public void Member_order_and_whitespace_in_the_input_do_not_change_the_digest()
    {
        var reordered = "{\n  \"schema\": \"careledger-model-card/v1\",\n" + ExpectedFixedJson()[1..].Replace(",\"schema\":\"careledger-model-card/v1\"", "", StringComparison.Ordinal);

        Assert.Equal(SampleCards.Fixed().Digest(), ModelCard.Parse(reordered).Digest());
    }

    [Fact]
    public void Changing_any_registered_fact_changes_the_digest()
    {
        var card = SampleCards.Fixed();

        Assert.NotEqual(card.Digest(), (card with { ModelSha256 = new string('b', 64) }).Digest());
        Assert.NotEqual(card.Digest(), (card with { Kind = ModelKind.FastTree }).Digest());
        Assert.NotEqual(card.Digest(), (card with { Metrics = card.Metrics with { MeanAuroc = 0.76 } }).Digest());
    }

    [Theory]
    [InlineData("\"schema\":\"careledger-model-card/v1\"", "\"schema\":\"careledger-model-card/v2\"", "schema")]
    [InlineData("\"version\":\"1.0.0\"", "\"version\":\"1.0.0\",\"extra\":1", "extra")]
    [InlineData("\"modelSha256\":\"aaaa", "\"modelSha256\":\"AAAA", "modelSha256")]
    [InlineData("\"kind\":\"logistic-regression\"", "\"kind\":\"random-forest\"", "")]
    [InlineData("\"createdAt\":\"2026-11-25T09:30:00.0000000Z\",", "", "createdAt")]
    [InlineData("2026-11-25T09:30:00.0000000Z", "2026-11-25T10:30:00+01:00", "Timestamps")]
    public void An_invalid_card_is_rejected_with_a_reason(string from, string to, string reason)
    {
        var json = ExpectedFixedJson().Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(ExpectedFixedJson(), json);

        var e = Assert.Throws<FormatException>(() => ModelCard.Parse(json));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_card_with_a_malformed_hash_cannot_be_serialised()
    {
        var e = Assert.Throws<ArgumentException>(() => (SampleCards.Fixed() with { ModelSha256 = "abc" }).ToCanonicalJson());
        Assert.Contains("64 lowercase hexadecimal", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamps_are_written_in_utc_whatever_the_offset_supplied()
    {
        var card = SampleCards.Fixed() with { CreatedAt = new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.FromHours(1)) };

        Assert.Contains("\"createdAt\":\"2026-11-25T09:30:00.0000000Z\"", Encoding.UTF8.GetString(card.ToCanonicalJson()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_cohort_round_trips_and_a_card_without_one_keeps_its_frozen_bytes()
    {
        var card = SampleCards.Fixed() with { Cohort = new TrainingCohort("HRESCH", 10, 7, 2, 1, 3) };

        var parsed = ModelCard.Parse(card.ToCanonicalJson());

        Assert.Equal(new TrainingCohort("HRESCH", 10, 7, 2, 1, 3), parsed.Cohort);
        Assert.Contains("\"cohort\":{\"candidates\":10,\"excludedIncomplete\":1,\"excludedWithoutConsent\":2,\"included\":7,\"purposeOfUse\":\"HRESCH\",\"recordsWithheld\":3}",
            card.ToJson(), StringComparison.Ordinal);
        Assert.NotEqual(SampleCards.Fixed().Digest(), card.Digest());
        Assert.DoesNotContain("cohort", SampleCards.Fixed().ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_cohort_whose_counts_do_not_add_up_is_refused()
    {
        var card = SampleCards.Fixed() with { Cohort = new TrainingCohort("HRESCH", 10, 7, 2, 0, 0) };

        var e = Assert.Throws<ArgumentException>(() => card.ToCanonicalJson());
        Assert.Contains("do not add up", e.Message, StringComparison.Ordinal);
    }
}
