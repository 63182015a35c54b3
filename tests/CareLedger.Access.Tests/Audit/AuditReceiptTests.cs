using CareLedger.Access.Audit.Format;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Access.Tests.Audit;

public class AuditReceiptTests(AuditReceiptFixture fixture) : IClassFixture<AuditReceiptFixture>
{
    [Fact]
    public void An_untouched_receipt_verifies()
    {
        var check = AuditReceipts.Verify(fixture.Receipt, fixture.LogVerifierKey);

        Assert.True(check.Valid, string.Join("; ", check.Problems));
        Assert.Equal(fixture.Record.Id, check.Record!.Id);
        Assert.Equal(5, fixture.Receipt.BatchSize);
        Assert.Equal(3, fixture.Receipt.BatchPath.Count);
    }

    [Fact]
    public void A_record_changed_in_its_content_fails_at_the_batch_root()
    {
        var receipt = fixture.Receipt;
        var altered = AuditRecordCodec.Encode(AuditRecordCodec.Decode(receipt.Record) with { Purpose = "PATRQT" });

        var check = AuditReceipts.Verify(receipt with { Record = altered }, fixture.LogVerifierKey);

        Assert.False(check.Valid);
        Assert.Null(check.Record);
        var problem = Assert.Single(check.Problems);
        Assert.StartsWith("batch path: the record's commitment and batch path lead to a root that is not the digest anchored", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_changed_in_a_byte_is_named_as_not_an_audit_record_too()
    {
        var receipt = fixture.Receipt;
        var bytes = (byte[])receipt.Record.Clone();
        bytes[0] ^= 0x01; // a map of 18 fields

        var check = AuditReceipts.Verify(receipt with { Record = bytes }, fixture.LogVerifierKey);

        Assert.False(check.Valid);
        Assert.Contains(check.Problems, p => p.StartsWith("batch path:", StringComparison.Ordinal));
        Assert.Contains(check.Problems, p => p.StartsWith("record:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_changed_salt_fails_at_the_batch_root()
    {
        var receipt = fixture.Receipt;
        var salt = (byte[])receipt.Salt.Clone();
        salt[0] ^= 0x80;

        var check = AuditReceipts.Verify(receipt with { Salt = salt }, fixture.LogVerifierKey);

        Assert.False(check.Valid);
        Assert.StartsWith("batch path:", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_salt_of_the_wrong_length_is_named()
    {
        var receipt = fixture.Receipt;

        var check = AuditReceipts.Verify(receipt with { Salt = receipt.Salt[..31] }, fixture.LogVerifierKey);

        Assert.Contains("salt: 31 bytes, not 32", check.Problems);
    }

    [Fact]
    public void A_changed_path_hash_fails_at_the_batch_root()
    {
        var receipt = fixture.Receipt;
        var path = receipt.BatchPath.Select(h => (byte[])h.Clone()).ToArray();
        path[1][5] ^= 0x01;

        var check = AuditReceipts.Verify(receipt with { BatchPath = path }, fixture.LogVerifierKey);

        Assert.False(check.Valid);
        Assert.StartsWith("batch path:", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_of_the_wrong_shape_is_named()
    {
        var receipt = fixture.Receipt;

        var check = AuditReceipts.Verify(receipt with { BatchPath = receipt.BatchPath.Take(2).ToArray() }, fixture.LogVerifierKey);

        Assert.Contains("batch path: 2 hash(es) is not the path of index 2 in a batch of 5", check.Problems);
    }

    [Fact]
    public void A_changed_index_fails()
    {
        var receipt = fixture.Receipt;

        Assert.False(AuditReceipts.Verify(receipt with { Index = 3 }, fixture.LogVerifierKey).Valid);
        Assert.Contains("batch position: index 7 is outside a batch of 5", AuditReceipts.Verify(receipt with { Index = 7 }, fixture.LogVerifierKey).Problems);
    }

    [Fact]
    public void A_receipt_claiming_another_batch_is_named()
    {
        var receipt = fixture.Receipt;

        var check = AuditReceipts.Verify(receipt with { Batch = receipt.Batch + 1 }, fixture.LogVerifierKey);

        Assert.False(check.Valid);
        Assert.Contains(check.Problems, p => p.StartsWith("anchor: transaction", StringComparison.Ordinal) && p.EndsWith($"not batch {receipt.Batch + 1}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_changed_ledger_checkpoint_fails_the_ledger_receipt()
    {
        var receipt = fixture.Receipt;
        var checkpoint = receipt.Anchor.Checkpoint.Split('\n');
        checkpoint[1] = (long.Parse(checkpoint[1], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var check = AuditReceipts.Verify(receipt with { Anchor = receipt.Anchor with { Checkpoint = string.Join('\n', checkpoint) } }, fixture.LogVerifierKey);

        Assert.False(check.Valid);
        Assert.StartsWith("ledger receipt: checkpoint signatures:", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Another_logs_key_does_not_verify_the_receipt()
    {
        using var otherLog = NoteSigningKey.Generate(AuditTestNode.Origin);

        var check = AuditReceipts.Verify(fixture.Receipt, otherLog.VerifierKey.ToVkey());

        Assert.False(check.Valid);
        Assert.StartsWith("ledger receipt: checkpoint signatures:", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_verifier_key_is_named()
    {
        var check = AuditReceipts.Verify(fixture.Receipt, "not-a-vkey");

        Assert.False(check.Valid);
        Assert.StartsWith("log verifier key:", Assert.Single(check.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void The_json_form_round_trips_exactly()
    {
        var json = AuditReceipts.ToJson(fixture.Receipt);

        Assert.Equal(fixture.ReceiptJson, json);
        Assert.StartsWith("{\n  \"format\": \"careledger-audit-receipt/v1\",\n  \"record\": ", json, StringComparison.Ordinal);
        Assert.EndsWith("}\n", json, StringComparison.Ordinal);
        Assert.Contains("\"anchor\": {\n    \"format\": \"careledger-receipt/v1\",", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"batch\":", "\"extra\": 1, \"batch\":", "unknown field 'extra'")]
    [InlineData("\"format\": \"careledger-audit-receipt/v1\"", "\"format\": \"careledger-audit-receipt/v2\"", "is not careledger-audit-receipt/v1")]
    [InlineData("\"batchSize\": 5", "\"batchSize\": -5", "'batchSize' must be an integer")]
    [InlineData("\"index\": 2", "\"index\": \"2\"", "'index' must be an integer")]
    public void Malformed_json_is_refused_naming_the_field(string find, string replace, string expected)
    {
        var json = fixture.ReceiptJson.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(fixture.ReceiptJson, json);

        var error = Assert.Throws<FormatException>(() => AuditReceipts.Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_without_the_anchor_or_with_a_broken_anchor_is_refused()
    {
        var withoutAnchor = fixture.ReceiptJson[..fixture.ReceiptJson.IndexOf(",\n  \"anchor\"", StringComparison.Ordinal)] + "\n}\n";
        Assert.Contains("lacks the field 'anchor'", Assert.Throws<FormatException>(() => AuditReceipts.Parse(withoutAnchor)).Message, StringComparison.Ordinal);

        var brokenAnchor = fixture.ReceiptJson.Replace("\"leafIndex\":", "\"leafIndexes\":", StringComparison.Ordinal);
        Assert.Contains("field 'anchor': Receipt has an unknown field 'leafIndexes'", Assert.Throws<FormatException>(() => AuditReceipts.Parse(brokenAnchor)).Message, StringComparison.Ordinal);
    }
}
