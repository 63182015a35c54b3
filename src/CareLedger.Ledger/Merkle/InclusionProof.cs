using System.Security.Cryptography;

namespace CareLedger.Ledger.Merkle;

/// <summary>An RFC 9162 §2.1.3 inclusion proof: the audit path of leaf <see cref="LeafIndex"/> in a tree of <see cref="TreeSize"/> leaves.</summary>
public sealed record InclusionProof(long LeafIndex, long TreeSize, IReadOnlyList<byte[]> Path)
{
    /// <summary>Verifies the proof exactly as RFC 9162 §2.1.3.2 describes.</summary>
    public bool Verify(ReadOnlySpan<byte> leafHash, ReadOnlySpan<byte> rootHash)
    {
        if (leafHash.Length != Rfc9162.HashSize || rootHash.Length != Rfc9162.HashSize)
            return false;
        Span<byte> computed = stackalloc byte[Rfc9162.HashSize];
        return TryComputeRoot(leafHash, computed) && CryptographicOperations.FixedTimeEquals(computed, rootHash);
    }

    /// <summary>Runs steps 1-5 of RFC 9162 §2.1.3.2 and writes the resulting root; false when the path's shape is wrong.</summary>
    public bool TryComputeRoot(ReadOnlySpan<byte> leafHash, Span<byte> root)
    {
        if (Path is null || leafHash.Length != Rfc9162.HashSize || root.Length < Rfc9162.HashSize)
            return false;
        if (LeafIndex < 0 || TreeSize <= 0 || LeafIndex >= TreeSize)
            return false;

        var fn = LeafIndex;
        var sn = TreeSize - 1;
        Span<byte> r = stackalloc byte[Rfc9162.HashSize];
        leafHash.CopyTo(r);
        foreach (var p in Path)
        {
            if (p is null || p.Length != Rfc9162.HashSize)
                return false;
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                Rfc9162.HashChildren(p, r, r);
                if ((fn & 1) == 0)
                {
                    while ((fn & 1) == 0 && fn != 0)
                    {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            }
            else
            {
                Rfc9162.HashChildren(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        if (sn != 0)
            return false;
        r.CopyTo(root);
        return true;
    }
}
