using System.Security.Cryptography;

namespace CareLedger.Ledger.Tests.Merkle;

/// <summary>
/// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 transcribed literally (recursive, over the entries themselves), so that the
/// tree's fast paths are checked against the text of the standard, not against themselves.
/// </summary>
internal static class ReferenceMerkle
{
    public static byte[] Mth(IReadOnlyList<byte[]> d)
    {
        var n = d.Count;
        if (n == 0)
            return SHA256.HashData(ReadOnlySpan<byte>.Empty);
        if (n == 1)
            return SHA256.HashData([0x00, .. d[0]]);
        var k = LargestPowerOfTwoLessThan(n);
        return SHA256.HashData([0x01, .. Mth(Slice(d, 0, k)), .. Mth(Slice(d, k, n))]);
    }

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> d)
    {
        var n = d.Count;
        if (n == 1)
            return [];
        var k = LargestPowerOfTwoLessThan(n);
        if (m < k)
            return [.. Path(m, Slice(d, 0, k)), Mth(Slice(d, k, n))];
        return [.. Path(m - k, Slice(d, k, n)), Mth(Slice(d, 0, k))];
    }

    public static List<byte[]> Proof(int m, IReadOnlyList<byte[]> d) => SubProof(m, d, true);

    private static List<byte[]> SubProof(int m, IReadOnlyList<byte[]> d, bool b)
    {
        var n = d.Count;
        if (m == n)
            return b ? [] : [Mth(d)];
        var k = LargestPowerOfTwoLessThan(n);
        if (m <= k)
            return [.. SubProof(m, Slice(d, 0, k), b), Mth(Slice(d, k, n))];
        return [.. SubProof(m - k, Slice(d, k, n), false), Mth(Slice(d, 0, k))];
    }

    private static int LargestPowerOfTwoLessThan(int n)
    {
        var k = 1;
        while (k * 2 < n)
            k *= 2;
        return k;
    }

    private static byte[][] Slice(IReadOnlyList<byte[]> d, int from, int to) => [.. d.Skip(from).Take(to - from)];
}
