using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Analytics.Registry;

/// <summary>
/// Commitment to the exact training set: the RFC 9162 Merkle tree hash over one leaf per training row, in training
/// order, where a leaf's entry is record commitment (32 bytes) ‖ UTF-8 consent reference; leaf hash
/// SHA-256(0x00 ‖ entry), interior SHA-256(0x01 ‖ left ‖ right). Only the root and the count go on the card: listing
/// consent references would link patients to the model. Anyone holding the rows can recompute it, and an inclusion
/// proof can show that one record was (or with the full list, was not) used.
/// </summary>
public sealed record TrainingDataCommitment(int Records, string MerkleRoot)
{
    public const int RecordCommitmentLength = 32;

    public static TrainingDataCommitment Compute(IReadOnlyList<TrainingRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
            throw new ArgumentException("A training-data commitment needs at least one record.", nameof(records));
        var leaves = new byte[records.Count][];
        for (var i = 0; i < records.Count; i++)
            leaves[i] = LeafHash(records[i], i);
        return new TrainingDataCommitment(records.Count, Convert.ToHexStringLower(TreeHash(leaves, 0, leaves.Length)));
    }

    public bool Matches(IReadOnlyList<TrainingRecord> records)
    {
        var recomputed = Compute(records);
        return recomputed.Records == Records && string.Equals(recomputed.MerkleRoot, MerkleRoot, StringComparison.Ordinal);
    }

    internal static byte[] LeafHash(TrainingRecord record, int index)
    {
        if (record?.RecordCommitment is not { Length: RecordCommitmentLength })
            throw new ArgumentException($"Training record {index}: the record commitment must be {RecordCommitmentLength} bytes.", nameof(record));
        if (string.IsNullOrWhiteSpace(record.ConsentReference))
            throw new ArgumentException($"Training record {index} has no consent reference.", nameof(record));
        var consent = Encoding.UTF8.GetBytes(record.ConsentReference);
        var input = new byte[1 + RecordCommitmentLength + consent.Length];
        input[0] = 0x00;
        record.RecordCommitment.CopyTo(input, 1);
        consent.CopyTo(input, 1 + RecordCommitmentLength);
        return SHA256.HashData(input);
    }

    // RFC 9162 §2.1.1: MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two < n.
    private static byte[] TreeHash(byte[][] leaves, int start, int count)
    {
        if (count == 1)
            return leaves[start];
        var split = 1;
        while (split * 2 < count)
            split *= 2;
        var left = TreeHash(leaves, start, split);
        var right = TreeHash(leaves, start + split, count - split);
        var input = new byte[1 + left.Length + right.Length];
        input[0] = 0x01;
        left.CopyTo(input, 1);
        right.CopyTo(input, 1 + left.Length);
        return SHA256.HashData(input);
    }
}
