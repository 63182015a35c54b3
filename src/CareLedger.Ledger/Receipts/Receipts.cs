using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Receipts;

/// <summary>Makes, serializes and verifies <see cref="Receipt"/>s (docs/receipts.md).</summary>
public static class Receipts
{
    /// <summary>
    /// A receipt for the transaction at <paramref name="leafIndex"/>, proved by <paramref name="proof"/> against
    /// <paramref name="checkpoint"/>. Throws <see cref="ArgumentException"/> when the parts do not fit together.
    /// </summary>
    public static Receipt Create(ReadOnlySpan<byte> signedTransaction, long leafIndex, InclusionProof proof, SignedNote checkpoint)
    {
        ArgumentNullException.ThrowIfNull(proof);
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (signedTransaction.IsEmpty)
            throw new ArgumentException("A receipt needs the signed transaction bytes.", nameof(signedTransaction));
        if (checkpoint.Signatures.Count == 0)
            throw new ArgumentException("A receipt needs a signed checkpoint.", nameof(checkpoint));
        if (proof.LeafIndex != leafIndex)
            throw new ArgumentException($"The proof is for leaf {proof.LeafIndex}, not {leafIndex}.", nameof(proof));
        var body = Checkpoint.Parse(checkpoint.Text);
        if (proof.TreeSize != body.Size)
            throw new ArgumentException($"The proof is for a tree of {proof.TreeSize} leaves; the checkpoint is of {body.Size}.", nameof(proof));
        if (!proof.Verify(Rfc9162.HashLeaf(signedTransaction), body.RootHash))
            throw new ArgumentException("The proof does not lead from this transaction to the checkpoint's root.", nameof(proof));
        return new Receipt(signedTransaction.ToArray(), leafIndex, proof.TreeSize, [.. proof.Path.Select(h => (byte[])h.Clone())], checkpoint.ToString());
    }

    /// <summary>The receipt as "careledger-receipt/v1" JSON (indented, '\n' line ends, final newline).</summary>
    public static string ToJson(Receipt r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return ReceiptJson.Write(r);
    }

    /// <summary>Parses receipt JSON strictly; <see cref="FormatException"/> names the faulty field.</summary>
    public static Receipt Parse(string json) => ReceiptJson.Read(json);

    /// <summary>
    /// Verifies a receipt offline: the checkpoint note parses; no trusted key's signature on it is invalid; at least
    /// <paramref name="requiredSignatures"/> distinct trusted keys signed it; its body is a checkpoint of
    /// <see cref="Receipt.TreeSize"/> leaves; the leaf index is inside the tree; and the inclusion path leads from
    /// SHA-256(0x00 || transaction) to the checkpoint's root hash.
    /// </summary>
    public static ReceiptVerification Verify(Receipt r, IEnumerable<VerifierKey> trusted, int requiredSignatures = 1)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(trusted);
        ArgumentOutOfRangeException.ThrowIfLessThan(requiredSignatures, 1);

        if (r.Transaction is null || r.Transaction.Length == 0)
            return Failed("the receipt has no transaction bytes");
        if (r.InclusionPath is null || r.Checkpoint is null)
            return Failed("the receipt lacks its inclusion path or checkpoint");

        SignedNote note;
        try
        {
            note = SignedNote.Parse(r.Checkpoint);
        }
        catch (FormatException e)
        {
            return Failed("checkpoint: " + e.Message);
        }

        var signatures = NoteVerifier.Verify(note, trusted);
        if (!signatures.Valid)
            return Failed("checkpoint signatures: " + signatures.Error);
        var signers = signatures.VerifiedBy.Distinct().Select(k => k.Name).ToArray();
        if (signers.Length < requiredSignatures)
            return Failed($"checkpoint signatures: {signers.Length} trusted signature(s), {requiredSignatures} required");

        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(note.Text);
        }
        catch (FormatException e)
        {
            return Failed("checkpoint body: " + e.Message);
        }

        if (r.TreeSize != checkpoint.Size)
            return Failed($"tree size {r.TreeSize} differs from the checkpoint's size {checkpoint.Size}");
        if (r.LeafIndex < 0 || r.LeafIndex >= r.TreeSize)
            return Failed($"leaf index {r.LeafIndex} is outside the tree of {r.TreeSize} leaves");
        var leafHash = Rfc9162.HashLeaf(r.Transaction);
        var proof = new InclusionProof(r.LeafIndex, r.TreeSize, r.InclusionPath);
        if (!proof.Verify(leafHash, checkpoint.RootHash))
            return Failed("the inclusion path does not lead from the transaction to the checkpoint's root hash");
        return new ReceiptVerification(true, null, signers);
    }

    private static ReceiptVerification Failed(string error) => new(false, error, []);
}
