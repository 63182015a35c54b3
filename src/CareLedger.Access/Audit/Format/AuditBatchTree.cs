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

    /// <summary>As <see cref="CommitOpening(IncrementalHash, ReadOnlySpan{byte}, Span{byte})"/>, with the batch loop's digest (ADR 0020).</summary>
    public static void CommitOpening(AuditSha256 sha, ReadOnlySpan<byte> opening, Span<byte> destination) => sha.Hash(opening, destination);

    /// <summary>MTH over the commitments (consecutive 32-byte entries) as leaf entries.</summary>
    /// <remarks>
    /// Computed level by level in one buffer with one reused SHA-256 context (<see cref="AuditSha256"/>), each input (0x00 ‖ commitment, 0x01 ‖ left
    /// ‖ right) assembled on the stack and appended in one call; the last node of an odd level is carried up unchanged,
    /// which gives RFC 9162's split at the largest power of two below the size. Against the in-memory
    /// <see cref="MerkleTree"/> with a one-shot digest per node, ≈ 0.1 µs less a record (docs/benchmarks.md).
    /// </remarks>
    public static byte[] Root(ReadOnlySpan<byte> commitments)
    {
        CheckEntries(commitments);
        var count = commitments.Length / CommitmentLength;
        if (count == 0)
        {
            return Rfc9162.EmptyRoot;
        }

        var level = new byte[commitments.Length];
        using var sha = new AuditSha256();
        Span<byte> input = stackalloc byte[1 + 2 * Rfc9162.HashSize];
        input[0] = 0x00;
        for (var i = 0; i < count; i++)
        {
            commitments.Slice(i * CommitmentLength, CommitmentLength).CopyTo(input[1..]);
            sha.Hash(input[..(1 + CommitmentLength)], level.AsSpan(i * Rfc9162.HashSize, Rfc9162.HashSize));
        }

        input[0] = 0x01;
        while (count > 1)
        {
            // Parent i/2 is written at or before its children, which are already copied into the input.
            var parents = 0;
            for (var i = 0; i + 1 < count; i += 2)
            {
                level.AsSpan(i * Rfc9162.HashSize, 2 * Rfc9162.HashSize).CopyTo(input[1..]);
                sha.Hash(input, level.AsSpan(parents++ * Rfc9162.HashSize, Rfc9162.HashSize));
            }

            if ((count & 1) == 1)
            {
                level.AsSpan((count - 1) * Rfc9162.HashSize, Rfc9162.HashSize).CopyTo(level.AsSpan(parents++ * Rfc9162.HashSize));
            }

            count = parents;
        }

        return level.AsSpan(0, Rfc9162.HashSize).ToArray();
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

    private static void CheckEntries(ReadOnlySpan<byte> commitments)
    {
        if (commitments.Length % CommitmentLength != 0)
        {
            throw new ArgumentException($"commitments come in entries of {CommitmentLength} bytes, not {commitments.Length} bytes in all", nameof(commitments));
        }
    }

    private static MerkleTree Build(ReadOnlySpan<byte> commitments)
    {
        CheckEntries(commitments);

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
