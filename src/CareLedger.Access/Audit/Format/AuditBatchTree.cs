using System.Security.Cryptography;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Access.Audit.Format;

/// <summary>
/// The hashes that tie an audit record to its batch's anchor: the record's salted commitment
/// SHA-256(salt ‖ canonical bytes) — the hash of its opening, salt and bytes side by side — and the RFC 9162 Merkle
/// tree whose leaf entries are the batch's commitments in batch order (leaf hash SHA-256(0x00 ‖ commitment)). The
/// tree's root is the digest of the batch's ledger anchor. A batch's commitments travel as one span of 32-byte entries.
/// </summary>
internal static class AuditBatchTree
{
    public const int SaltLength = 32;
    public const int CommitmentLength = 32;

    public static byte[] Commitment(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> record)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(salt);
        sha.AppendData(record);
        return sha.GetHashAndReset();
    }

    /// <summary>
    /// The commitment of an opening (salt ‖ canonical bytes) into <paramref name="destination"/>, with a SHA-256
    /// <paramref name="sha"/> that the caller reuses record after record: the one-shot <c>SHA256.HashData</c> sets up and
    /// frees an OpenSSL digest context on every call, a measurable part of a record's cost on the trail's thread.
    /// </summary>
    public static void CommitOpening(IncrementalHash sha, ReadOnlySpan<byte> opening, Span<byte> destination)
    {
        sha.AppendData(opening);
        sha.GetHashAndReset(destination);
    }

    /// <summary>MTH over the commitments (consecutive 32-byte entries) as leaf entries.</summary>
    public static byte[] Root(ReadOnlySpan<byte> commitments)
    {
        using var tree = Build(commitments);
        return tree.RootHash();
    }

    /// <summary>The RFC 9162 inclusion path of the commitment at <paramref name="index"/>, from its sibling up.</summary>
    public static IReadOnlyList<byte[]> Path(ReadOnlySpan<byte> commitments, int index)
    {
        using var tree = Build(commitments);
        return tree.GetInclusionProof(index, tree.Size).Path;
    }

    /// <summary>The root that <paramref name="path"/> leads to from <paramref name="commitment"/>, or null when the path's shape is wrong.</summary>
    public static byte[]? RootFromPath(ReadOnlySpan<byte> commitment, long index, long size, IReadOnlyList<byte[]> path)
    {
        var root = new byte[Rfc9162.HashSize];
        return new InclusionProof(index, size, path).TryComputeRoot(Rfc9162.HashLeaf(commitment), root) ? root : null;
    }

    private static MerkleTree Build(ReadOnlySpan<byte> commitments)
    {
        if (commitments.Length % CommitmentLength != 0)
        {
            throw new ArgumentException($"commitments come in entries of {CommitmentLength} bytes, not {commitments.Length} bytes in all", nameof(commitments));
        }

        // The leaf hashes SHA-256(0x00 ‖ commitment) of RFC 9162 with one digest context for the batch (see CommitOpening).
        var leafHashes = new byte[commitments.Length];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (var at = 0; at < commitments.Length; at += CommitmentLength)
        {
            Rfc9162.HashLeaf(sha, commitments.Slice(at, CommitmentLength), leafHashes.AsSpan(at, Rfc9162.HashSize));
        }

        var tree = MerkleTree.CreateInMemory();
        tree.AppendRange(leafHashes);
        return tree;
    }
}
