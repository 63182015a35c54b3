using System.Security.Cryptography;
using System.Text;
using CareLedger.Analytics.Registry;

namespace CareLedger.Analytics.Tests.Registry;

public class TrainingDataCommitmentTests
{
    private static byte[] Leaf(TrainingRecord record) =>
        SHA256.HashData([0x00, .. record.RecordCommitment, .. Encoding.UTF8.GetBytes(record.ConsentReference)]);

    private static byte[] Node(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    [Fact]
    public void One_record_commits_to_its_rfc9162_leaf_hash()
    {
        var record = SampleCards.Record(1, "Consent/7");

        var commitment = TrainingDataCommitment.Compute([record]);

        Assert.Equal(1, commitment.Records);
        Assert.Equal(Convert.ToHexStringLower(Leaf(record)), commitment.MerkleRoot);
    }

    [Fact]
    public void Three_records_commit_to_the_rfc9162_tree_hash_split_at_the_largest_power_of_two()
    {
        TrainingRecord[] records = [SampleCards.Record(1, "Consent/1"), SampleCards.Record(2, "Consent/1"), SampleCards.Record(3, "Consent/2")];

        var expected = Node(Node(Leaf(records[0]), Leaf(records[1])), Leaf(records[2]));

        Assert.Equal(Convert.ToHexStringLower(expected), TrainingDataCommitment.Compute(records).MerkleRoot);
    }

    [Fact]
    public void The_commitment_binds_each_consent_reference_and_the_row_order()
    {
        TrainingRecord[] records = [SampleCards.Record(1, "Consent/1"), SampleCards.Record(2, "Consent/2")];
        var commitment = TrainingDataCommitment.Compute(records);

        Assert.True(commitment.Matches(records));
        Assert.False(commitment.Matches([records[0], records[1] with { ConsentReference = "Consent/3" }]));
        Assert.False(commitment.Matches([records[1], records[0]]));
        Assert.False(commitment.Matches([records[0]]));
    }

    [Fact]
    public void A_record_commitment_of_the_wrong_length_is_rejected_naming_the_record()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            TrainingDataCommitment.Compute([SampleCards.Record(1, "Consent/1"), new TrainingRecord(new byte[31], "Consent/2")]));
        Assert.Contains("Training record 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_without_consent_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => TrainingDataCommitment.Compute([SampleCards.Record(1, " ")]));
    }
}
