using System.Text;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Tests.Merkle;

internal static class TestEntries
{
    public static byte[][] Make(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Encoding.ASCII.GetBytes($"entry-{i}"))];

    public static MerkleTree TreeOf(IEnumerable<byte[]> entries)
    {
        var tree = MerkleTree.CreateInMemory();
        foreach (var entry in entries)
            tree.Append(Rfc9162.HashLeaf(entry));
        return tree;
    }
}
