using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Tests.Merkle;

public class ConcurrentReadersTests
{
    [Fact]
    public async Task Readers_see_valid_proofs_for_every_size_they_observe_while_one_writer_appends()
    {
        const int leaves = 20_000;
        var hashes = Enumerable.Range(0, leaves).Select(i => Rfc9162.HashLeaf(BitConverter.GetBytes(i))).ToArray();
        using var tree = MerkleTree.CreateInMemory();
        using var done = new CancellationTokenSource();
        var failures = 0;
        var checks = 0;

        var readers = Enumerable.Range(0, 2).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            while (!done.IsCancellationRequested)
            {
                var size = tree.Size;
                if (size == 0)
                    continue;
                var index = random.NextInt64(size);
                var root = tree.RootHash(size);
                if (!tree.GetInclusionProof(index, size).Verify(hashes[index], root))
                    Interlocked.Increment(ref failures);
                var old = 1 + random.NextInt64(size);
                if (!tree.GetConsistencyProof(old, size).Verify(tree.RootHash(old), root))
                    Interlocked.Increment(ref failures);
                Interlocked.Increment(ref checks);
            }
        })).ToArray();

        foreach (var hash in hashes)
            tree.Append(hash);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref checks) < 100 && DateTime.UtcNow < deadline)
            await Task.Yield();
        await done.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(0, failures);
        Assert.True(checks >= 100, $"only {checks} concurrent checks ran");
    }
}
