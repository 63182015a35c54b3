using System.Buffers.Binary;
using System.Security.Cryptography;
using CareLedger.Access.Audit.Format;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Transactions;
using LedgerReceipts = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Access.Audit.Receipts;

/// <summary>Serializes and verifies <see cref="AuditReceipt"/>s (docs/receipts.md, "Audit receipts").</summary>
public static class AuditReceipts
{
    /// <summary>The receipt as <c>careledger-audit-receipt/v1</c> JSON (indented, '\n' line ends, final newline).</summary>
    public static string ToJson(AuditReceipt receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        return AuditReceiptJson.Write(receipt);
    }

    /// <summary>Parses audit receipt JSON strictly; <see cref="FormatException"/> names the faulty field.</summary>
    public static AuditReceipt Parse(string json) => AuditReceiptJson.Read(json);

    /// <summary>
    /// Verifies a receipt offline, with nothing but the log's verifier key: the record bytes are a canonical audit
    /// record; the salt is 32 bytes; SHA-256(salt ‖ record) with the batch path leads to a batch root; the anchor
    /// transaction is an <c>Anchor</c> of kind <c>audit-batch</c> for this batch whose digest is that root; and the
    /// ledger receipt of that transaction verifies against <paramref name="logVerifierKey"/> (a vkey). Every check
    /// runs; each failure is named in <see cref="AuditReceiptCheck.Problems"/>.
    /// </summary>
    public static AuditReceiptCheck Verify(AuditReceipt receipt, string logVerifierKey)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(logVerifierKey);
        var problems = new List<string>();

        AuditRecord? record = null;
        try
        {
            record = AuditRecordCodec.Decode(receipt.Record);
        }
        catch (FormatException e)
        {
            problems.Add($"record: {e.Message}");
        }

        if (receipt.Salt.Length != AuditBatchTree.SaltLength)
        {
            problems.Add($"salt: {receipt.Salt.Length} bytes, not {AuditBatchTree.SaltLength}");
        }

        var root = BatchRoot(receipt, problems);
        var anchor = AnchorOf(receipt, problems, out var anchorTransaction);
        if (root is not null && anchor is not null && !CryptographicOperations.FixedTimeEquals(root, anchor.Digest))
        {
            problems.Add($"batch path: the record's commitment and batch path lead to a root that is not the digest anchored by transaction {anchorTransaction}");
        }

        VerifyLedgerReceipt(receipt, logVerifierKey, problems);
        var valid = problems.Count == 0;
        return new AuditReceiptCheck(valid, problems, valid ? record : null, valid ? anchorTransaction : null, valid ? receipt.Anchor.LeafIndex : null);
    }

    private static byte[]? BatchRoot(AuditReceipt receipt, List<string> problems)
    {
        if (receipt.BatchSize < 1 || receipt.Index < 0 || receipt.Index >= receipt.BatchSize)
        {
            problems.Add($"batch position: index {receipt.Index} is outside a batch of {receipt.BatchSize}");
            return null;
        }

        var commitment = AuditBatchTree.Commitment(receipt.Salt, receipt.Record);
        var root = AuditBatchTree.RootFromPath(commitment, receipt.Index, receipt.BatchSize, receipt.BatchPath);
        if (root is null)
        {
            problems.Add($"batch path: {receipt.BatchPath.Count} hash(es) is not the path of index {receipt.Index} in a batch of {receipt.BatchSize}");
        }

        return root;
    }

    private static AnchorPayload? AnchorOf(AuditReceipt receipt, List<string> problems, out TxId? id)
    {
        id = null;
        try
        {
            var signed = SignedTransaction.Decode(receipt.Anchor.Transaction);
            id = signed.Transaction.Id;
            if (signed.Transaction.Type != TxType.Anchor)
            {
                problems.Add($"anchor: transaction {id} is a {signed.Transaction.Type} transaction, not an {TxType.Anchor}");
                return null;
            }

            var anchor = AnchorPayload.Decode(signed.Transaction.Payload.Span);
            if (!string.Equals(anchor.Kind, AuditTrail.AnchorKind, StringComparison.Ordinal))
            {
                problems.Add($"anchor: transaction {id} anchors a '{anchor.Kind}', not an '{AuditTrail.AnchorKind}'");
                return null;
            }

            if (anchor.Context.Length != sizeof(long) || BinaryPrimitives.ReadInt64BigEndian(anchor.Context) != receipt.Batch)
            {
                problems.Add($"anchor: transaction {id} anchors {BatchName(anchor.Context)}, not batch {receipt.Batch}");
                return null;
            }

            return anchor;
        }
        catch (InvalidTransactionException e)
        {
            problems.Add($"anchor: {e.Message}");
            return null;
        }
    }

    private static string BatchName(byte[] context) =>
        context.Length == sizeof(long) ? $"batch {BinaryPrimitives.ReadInt64BigEndian(context)}" : $"a {context.Length}-byte context";

    private static void VerifyLedgerReceipt(AuditReceipt receipt, string logVerifierKey, List<string> problems)
    {
        VerifierKey key;
        try
        {
            key = VerifierKey.Parse(logVerifierKey);
        }
        catch (FormatException e)
        {
            problems.Add($"log verifier key: {e.Message}");
            return;
        }

        var ledger = LedgerReceipts.Verify(receipt.Anchor, [key]);
        if (!ledger.Valid)
        {
            problems.Add($"ledger receipt: {ledger.Error}");
        }
    }
}
