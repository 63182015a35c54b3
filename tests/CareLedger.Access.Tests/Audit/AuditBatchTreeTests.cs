using System.Security.Cryptography;
using CareLedger.Access.Audit.Format;

namespace CareLedger.Access.Tests.Audit;

/// <summary>
/// The batch hashes reuse one SHA-256 context across records; these hold them to the one-shot definitions they replace:
/// the commitment SHA-256(salt ‖ bytes) and the RFC 9162 root MTH over the commitments (leaf SHA-256(0x00 ‖ entry), node
/// SHA-256(0x01 ‖ left ‖ right), split at the largest power of two below the size), computed here from scratch.
/// </summary>
public sealed class AuditBatchTreeTests
{
    [Fact]
    public void Commitments_with_a_reused_hash_equal_the_one_shot_hash_of_each_opening()
    {
        var random = new Random(4);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> reused = stackalloc byte[AuditBatchTree.CommitmentLength];
        // Openings of every length around SHA-256's 64-byte blocks and up to a long record, one after the other.
        for (var length = AuditBatchTree.SaltLength; length < 1200; length += random.Next(1, 9))
        {
            var opening = new byte[length];
            random.NextBytes(opening);

            AuditBatchTree.CommitOpening(sha, opening, reused);

            Assert.Equal(SHA256.HashData(opening), reused.ToArray());
            Assert.Equal(AuditBatchTree.Commitment(opening.AsSpan(0, AuditBatchTree.SaltLength), opening.AsSpan(AuditBatchTree.SaltLength)), reused.ToArray());
        }
    }

    [Fact]
    public void Commitments_with_the_batch_loops_digest_equal_the_one_shot_hash_of_each_opening()
    {
        var random = new Random(5);
        using var sha = new AuditSha256();
        Span<byte> reused = stackalloc byte[AuditBatchTree.CommitmentLength];
        // Every length from none to a long record, one after the other on the same context.
        for (var length = 0; length < 1200; length += random.Next(1, 5))
        {
            var opening = new byte[length];
            random.NextBytes(opening);

            AuditBatchTree.CommitOpening(sha, opening, reused);

            Assert.Equal(SHA256.HashData(opening), reused.ToArray());
        }
    }

    [Fact]
    public void The_batch_loops_digest_calls_openssl_directly_where_libcrypto_3_is_loadable()
    {
        var loadable = System.Runtime.InteropServices.NativeLibrary.TryLoad("libcrypto.so.3", out var handle);
        if (loadable)
        {
            System.Runtime.InteropServices.NativeLibrary.Free(handle);
        }

        Assert.Equal(loadable && OperatingSystem.IsLinux(), AuditSha256.IsDirect);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(250)]
    [InlineData(401)]
    [InlineData(4095)]
    [InlineData(4096)]
    public void The_root_is_the_rfc_9162_tree_hash_of_the_commitments(int size)
    {
        var commitments = new byte[size * AuditBatchTree.CommitmentLength];
        new Random(size).NextBytes(commitments);

        var root = AuditBatchTree.Root(commitments);

        Assert.Equal(TreeHash(commitments), root);
        for (var index = 0; index < size; index += Math.Max(1, size / 5))
        {
            var path = AuditBatchTree.Path(commitments, index);
            var commitment = commitments.AsSpan(index * AuditBatchTree.CommitmentLength, AuditBatchTree.CommitmentLength);
            Assert.Equal(root, AuditBatchTree.RootFromPath(commitment, index, size, path));
        }
    }

    private static byte[] TreeHash(ReadOnlySpan<byte> entries)
    {
        var count = entries.Length / AuditBatchTree.CommitmentLength;
        if (count == 1)
        {
            return SHA256.HashData([0x00, .. entries]);
        }

        var split = 1;
        while (split * 2 < count)
        {
            split *= 2;
        }

        var left = TreeHash(entries[..(split * AuditBatchTree.CommitmentLength)]);
        var right = TreeHash(entries[(split * AuditBatchTree.CommitmentLength)..]);
        return SHA256.HashData([0x01, .. left, .. right]);
    }
}
