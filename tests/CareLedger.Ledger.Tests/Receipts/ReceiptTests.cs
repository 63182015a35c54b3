using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.Receipts;
using ReceiptsApi = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Ledger.Tests.Receipts;

public class ReceiptTests
{
    [Fact]
    public void Every_receipt_of_a_cosigned_checkpoint_verifies_offline_after_a_json_round_trip()
    {
        using var fixture = new ReceiptFixture(transactions: 11, cosigners: 3);
        for (var i = 0; i < 11; i++)
        {
            var json = ReceiptsApi.ToJson(fixture.ReceiptFor(i));
            var parsed = ReceiptsApi.Parse(json);
            Assert.Equal(json, ReceiptsApi.ToJson(parsed));
            var verification = ReceiptsApi.Verify(parsed, fixture.TrustedKeys, requiredSignatures: 4);
            Assert.True(verification.Valid, verification.Error);
            Assert.Equal([ReceiptFixture.Origin, "member0.example/cosigner", "member1.example/cosigner", "member2.example/cosigner"], verification.VerifiedSigners);
        }
    }

    [Fact]
    public void The_json_has_exactly_the_documented_fields_in_order()
    {
        using var fixture = new ReceiptFixture(transactions: 3, cosigners: 1);
        var json = ReceiptsApi.ToJson(fixture.ReceiptFor(2));
        var expectedStart = "{\n  \"format\": \"careledger-receipt/v1\",\n  \"transaction\": \"" + Convert.ToBase64String(fixture.Transactions[2]) + "\",\n  \"leafIndex\": 2,\n  \"treeSize\": 3,\n  \"inclusionPath\": [\n    \"";
        Assert.StartsWith(expectedStart, json, StringComparison.Ordinal);
        Assert.Contains("\"checkpoint\": \"careledger.example/test-log\\n3\\n", json, StringComparison.Ordinal);
        Assert.Contains("\\n\\n\u2014 careledger.example/test-log ", json, StringComparison.Ordinal);
        Assert.EndsWith("\"\n}\n", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_trusted_signatures_fail_with_the_count()
    {
        using var fixture = new ReceiptFixture(transactions: 4, cosigners: 3);
        var receipt = fixture.ReceiptFor(1);
        var verification = ReceiptsApi.Verify(receipt, [fixture.LogKey.VerifierKey, fixture.Cosigners[0].VerifierKey], requiredSignatures: 3);
        Assert.False(verification.Valid);
        Assert.Equal("checkpoint signatures: 2 trusted signature(s), 3 required", verification.Error);
        Assert.Empty(verification.VerifiedSigners);
        Assert.True(ReceiptsApi.Verify(receipt, [fixture.Cosigners[2].VerifierKey]).Valid);
        Assert.False(ReceiptsApi.Verify(receipt, []).Valid);
    }

    [Fact]
    public void Each_check_names_its_failure()
    {
        using var fixture = new ReceiptFixture(transactions: 6, cosigners: 1);
        var receipt = fixture.ReceiptFor(3);
        var trusted = fixture.TrustedKeys;
        string? Error(Receipt r) => ReceiptsApi.Verify(r, trusted, 2).Error;

        Assert.StartsWith("checkpoint: Malformed signed note", Error(receipt with { Checkpoint = fixture.Note.Text }), StringComparison.Ordinal);
        var otherText = new Checkpoint(ReceiptFixture.Origin, 6, Rfc9162.HashLeaf([9])).ToNoteText();
        var forged = new SignedNote(otherText, fixture.Note.Signatures).ToString();
        Assert.StartsWith("checkpoint signatures: invalid signature for key careledger.example/test-log+", Error(receipt with { Checkpoint = forged }), StringComparison.Ordinal);
        Assert.Equal("tree size 5 differs from the checkpoint's size 6", Error(receipt with { TreeSize = 5 }));
        Assert.Equal("leaf index 6 is outside the tree of 6 leaves", Error(receipt with { LeafIndex = 6 }));
        Assert.Equal("leaf index -1 is outside the tree of 6 leaves", Error(receipt with { LeafIndex = -1 }));
        Assert.Equal("the inclusion path does not lead from the transaction to the checkpoint's root hash", Error(receipt with { LeafIndex = 2 }));
        Assert.Equal("the inclusion path does not lead from the transaction to the checkpoint's root hash", Error(receipt with { Transaction = fixture.Transactions[2] }));
        Assert.Equal("the receipt has no transaction bytes", Error(receipt with { Transaction = [] }));

        using var logKey = NoteSigningKey.Generate(ReceiptFixture.Origin);
        var notACheckpoint = new SignedNote("just text\n").WithSignature(logKey.Sign("just text\n")).ToString();
        Assert.StartsWith("checkpoint body: Malformed checkpoint", ReceiptsApi.Verify(receipt with { Checkpoint = notACheckpoint }, [logKey.VerifierKey]).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Receipts_are_not_made_from_parts_that_do_not_fit()
    {
        using var fixture = new ReceiptFixture(transactions: 5, cosigners: 0);
        var proof = fixture.Tree.GetInclusionProof(1, 5);
        Assert.Throws<ArgumentException>(() => ReceiptsApi.Create(fixture.Transactions[1], 2, proof, fixture.Note));
        Assert.Throws<ArgumentException>(() => ReceiptsApi.Create(fixture.Transactions[2], 1, proof, fixture.Note));
        Assert.Throws<ArgumentException>(() => ReceiptsApi.Create(fixture.Transactions[1], 1, fixture.Tree.GetInclusionProof(1, 4), fixture.Note));
        Assert.Throws<ArgumentException>(() => ReceiptsApi.Create([], 1, proof, fixture.Note));
        Assert.Throws<ArgumentException>(() => ReceiptsApi.Create(fixture.Transactions[1], 1, proof, new SignedNote(fixture.Note.Text)));
    }

    public static TheoryData<string, string> MalformedJson => new()
    {
        { "[]", "must be a JSON object" },
        { "{", "not valid JSON" },
        { "{\"format\":\"careledger-receipt/v2\",\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "is not careledger-receipt/v1" },
        { "{\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "lacks the field 'format'" },
        { "{\"format\":\"careledger-receipt/v1\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "lacks the field 'transaction'" },
        { "{\"format\":\"careledger-receipt/v1\",\"Format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "unknown field 'Format'" },
        { "{\"format\":\"careledger-receipt/v1\",\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "repeats the field 'format'" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA=\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "'transaction' is not canonical" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AB==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "'transaction' is not canonical" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":1.0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "'leafIndex' must be a non-negative integer" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":-1,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\"}", "'leafIndex' must be a non-negative integer" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":\"1\",\"inclusionPath\":[],\"checkpoint\":\"\"}", "'treeSize' must be a non-negative integer" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[\"AA==\"],\"checkpoint\":\"\"}", "'inclusionPath[0]' is 1 bytes" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[1],\"checkpoint\":\"\"}", "non-string at position 0" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":null}", "'checkpoint' must be a string" },
        { "{\"format\":\"careledger-receipt/v1\",\"transaction\":\"AA==\",\"leafIndex\":0,\"treeSize\":1,\"inclusionPath\":[],\"checkpoint\":\"\",}", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(MalformedJson))]
    public void Malformed_receipt_json_is_rejected_with_the_field_named(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => ReceiptsApi.Parse(json));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
