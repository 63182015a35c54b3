using System.Security.Cryptography;

namespace CareLedger.Ledger.Merkle;

/// <summary>An RFC 9162 §2.1.4 consistency proof between the tree of <see cref="OldSize"/> leaves and the tree of <see cref="NewSize"/> leaves.</summary>
public sealed record ConsistencyProof(long OldSize, long NewSize, IReadOnlyList<byte[]> Path)
{
    /// <summary>
    /// Verifies the proof exactly as RFC 9162 §2.1.4.2 describes. Equal sizes are consistent when the proof is
    /// empty and the roots are equal (PROOF(n, D[n]) is the empty SUBPROOF(n, D[n], true)); the RFC's
    /// algorithm itself covers only 0 &lt; first &lt; second.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> oldRoot, ReadOnlySpan<byte> newRoot)
    {
        if (Path is null || oldRoot.Length != Rfc9162.HashSize || newRoot.Length != Rfc9162.HashSize)
            return false;
        if (OldSize <= 0 || OldSize > NewSize)
            return false;
        foreach (var p in Path)
        {
            if (p is null || p.Length != Rfc9162.HashSize)
                return false;
        }

        if (OldSize == NewSize)
            return Path.Count == 0 && CryptographicOperations.FixedTimeEquals(oldRoot, newRoot);

        // Step 1.
        if (Path.Count == 0)
            return false;

        // Step 2: when first is a power of two, first_hash is prepended to the path.
        var firstIsPowerOfTwo = (OldSize & (OldSize - 1)) == 0;
        var start = firstIsPowerOfTwo ? -1 : 0;

        // Step 3.
        var fn = OldSize - 1;
        var sn = NewSize - 1;

        // Step 4.
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        // Step 5.
        Span<byte> fr = stackalloc byte[Rfc9162.HashSize];
        Span<byte> sr = stackalloc byte[Rfc9162.HashSize];
        var first = start < 0 ? oldRoot : (ReadOnlySpan<byte>)Path[0];
        first.CopyTo(fr);
        first.CopyTo(sr);

        // Step 6.
        for (var i = start + 1; i < Path.Count; i++)
        {
            var c = Path[i];
            if (sn == 0)
                return false;
            if ((fn & 1) == 1 || fn == sn)
            {
                Rfc9162.HashChildren(c, fr, fr);
                Rfc9162.HashChildren(c, sr, sr);
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
                Rfc9162.HashChildren(sr, c, sr);
            }

            fn >>= 1;
            sn >>= 1;
        }

        // Step 7.
        return sn == 0
            && CryptographicOperations.FixedTimeEquals(fr, oldRoot)
            && CryptographicOperations.FixedTimeEquals(sr, newRoot);
    }
}
