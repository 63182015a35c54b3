using System.Security.Cryptography;

namespace CareLedger.Ledger.Merkle;

/// <summary>The hash functions of RFC 9162 §2.1 with SHA-256.</summary>
public static class Rfc9162
{
    public const int HashSize = 32;

    private const int StackHashLimit = 2048;

    private static readonly byte[] EmptyRootBytes = SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>MTH({}) = SHA-256() — the root of the empty tree.</summary>
    public static byte[] EmptyRoot => (byte[])EmptyRootBytes.Clone();

    /// <summary>SHA-256(0x00 || entry).</summary>
    public static byte[] HashLeaf(ReadOnlySpan<byte> entry)
    {
        var hash = new byte[HashSize];
        HashLeaf(entry, hash);
        return hash;
    }

    public static void HashLeaf(ReadOnlySpan<byte> entry, Span<byte> destination)
    {
        if (destination.Length < HashSize)
            throw new ArgumentException($"The destination must hold {HashSize} bytes.", nameof(destination));
        if (entry.Length <= StackHashLimit)
        {
            // One-shot hashing of a stack copy avoids the incremental hasher's allocation for typical transactions.
            Span<byte> input = stackalloc byte[StackHashLimit + 1];
            input[0] = 0x00;
            entry.CopyTo(input[1..]);
            SHA256.HashData(input[..(entry.Length + 1)], destination);
            return;
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        HashLeaf(sha, entry, destination);
    }

    /// <summary>
    /// SHA-256(0x00 || entry) with a caller's reused SHA-256 context (reset afterwards): for hashing many leaves in a row
    /// without a one-shot OpenSSL context per leaf. The same bytes as <see cref="HashLeaf(ReadOnlySpan{byte}, Span{byte})"/>.
    /// </summary>
    public static void HashLeaf(IncrementalHash sha256, ReadOnlySpan<byte> entry, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (sha256.AlgorithmName != HashAlgorithmName.SHA256)
            throw new ArgumentException("RFC 9162 leaves here are hashed with SHA-256.", nameof(sha256));
        if (destination.Length < HashSize)
            throw new ArgumentException($"The destination must hold {HashSize} bytes.", nameof(destination));
        ReadOnlySpan<byte> prefix = [0x00];
        sha256.AppendData(prefix);
        sha256.AppendData(entry);
        sha256.GetHashAndReset(destination);
    }

    /// <summary>SHA-256(0x01 || left || right).</summary>
    public static byte[] HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[HashSize];
        HashChildren(left, right, hash);
        return hash;
    }

    public static void HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        if (left.Length != HashSize || right.Length != HashSize)
            throw new ArgumentException($"Child hashes must be {HashSize} bytes.");
        Span<byte> input = stackalloc byte[1 + 2 * HashSize];
        input[0] = 0x01;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + HashSize)..]);
        SHA256.HashData(input, destination);
    }
}
