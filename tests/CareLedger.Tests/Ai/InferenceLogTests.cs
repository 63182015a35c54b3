using CareLedger.Ai.Inference;
using CareLedger.Node;
using CareLedger.Tests.Support;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Ai;

/// <summary>
/// DATA/inferences.db under the concurrency of a serving node: every sealed opening written is one that opens. (Found by
/// `careledger bench ai` with 4 HTTP clients: one AesGcm instance used by two threads at once throws; this test, with
/// the seal outside the log's lock, fails the same way.)
/// </summary>
public sealed class InferenceLogTests
{
    [Fact]
    public async Task Openings_recorded_from_many_threads_at_once_all_open_again()
    {
        using var directory = new TempDirectory();
        await using var node = await CareLedgerNode.InitializeAsync(NodePaths.For(directory.Combine("data")), "careledger.test/inference-log", "Test Hospital", CancellationToken.None);
        var model = new string('a', 64);
        var recorded = new System.Collections.Concurrent.ConcurrentBag<(string Transaction, InferenceOpening Opening)>();

        await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 300; i++)
            {
                var opening = new InferenceOpening(Guid.CreateVersion7(), "pima-test@1.0.0", model, InferenceCommitment.NewSalt(),
                    [worker, i, null], (worker * 300 + i) / 400.0, [$"Observation/o-{worker}-{i}/_history/1"]);
                var transaction = Guid.CreateVersion7().ToString("D");
                node.Inferences.Record(transaction, worker * 300 + i, DateTimeOffset.UtcNow, [(byte)worker], opening);
                recorded.Add((transaction, opening));
            }
        })));

        Assert.Equal(4800, recorded.Count);
        foreach (var (transaction, opening) in recorded)
        {
            // No such anchor on this ledger (these were never submitted): the opening still opens and recomputes.
            var proof = node.Inferences.Prove(transaction, node.Ledger);
            Assert.False(proof.Matches);
            Assert.Equal(opening.Digest(), proof.Opening.Digest());
            Assert.Equal(opening.InferenceId, node.Inferences.Prove(opening.InferenceId.ToString("D"), node.Ledger).Opening.InferenceId);
        }
    }
}
