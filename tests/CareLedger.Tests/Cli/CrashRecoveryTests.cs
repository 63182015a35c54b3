using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Receipts;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Cli;

/// <summary>
/// The durability promise, tested on the real executable: a transaction the node acknowledged survives
/// SIGKILL at any moment, and the data directory still verifies afterwards.
/// </summary>
public sealed class CrashRecoveryTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Kill_9_under_load_loses_no_acknowledged_transaction_and_the_ledger_verifies()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        var init = await CareLedgerProcess.RunAsync(Startup, "init", "--data", data, "--origin", "crash.test/ledger");
        Assert.True(init.ExitCode == 0, init.Stdout + init.Stderr);

        using var author = AuthorKey.Load(Path.Combine(data, "keys", "node.key"));
        var acknowledged = new ConcurrentDictionary<string, long>();

        for (var round = 0; round < 3; round++)
        {
            await using var node = CareLedgerProcess.Start("serve", "--data", data, "--urls", "http://127.0.0.1:0");
            var baseUrl = await node.WaitUntilListeningAsync(Startup);
            using var http = new HttpClient { BaseAddress = baseUrl };

            // Eight writers submit until the node dies under them; only 201/200 answers count as acknowledged.
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var tx = AnchorTransaction(author);
                    try
                    {
                        using var content = new ByteArrayContent(tx.Encoded.ToArray());
                        using var response = await http.PostAsync(new Uri("/ledger/transactions", UriKind.Relative), content, stop.Token);
                        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                        {
                            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                            acknowledged[tx.Transaction.Id.ToString()] = body.GetProperty("leafIndex").GetInt64();
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                    {
                        return; // the node is gone: an unanswered request was never acknowledged
                    }
                }
            })).ToArray();

            var target = acknowledged.Count + 300 + (round * 150);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (acknowledged.Count < target && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            node.KillHard();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            Assert.True(acknowledged.Count >= target, $"the node acknowledged only {acknowledged.Count} transactions before the deadline");
        }

        // Restart once more: every acknowledged transaction is there at the leaf it was given, with a receipt.
        await using (var node = CareLedgerProcess.Start("serve", "--data", data, "--urls", "http://127.0.0.1:0"))
        {
            var baseUrl = await node.WaitUntilListeningAsync(Startup);
            using var http = new HttpClient { BaseAddress = baseUrl };
            var keys = await http.GetFromJsonAsync<JsonElement>(new Uri("/ledger/keys", UriKind.Relative));
            var trusted = new[] { VerifierKey.Parse(keys.GetProperty("log").GetString()!) };

            foreach (var (id, leafIndex) in acknowledged)
            {
                using var response = await http.GetAsync(new Uri($"/ledger/receipts/{id}?waitMs=5000", UriKind.Relative));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"acknowledged transaction {id} has no receipt after restart: {await response.Content.ReadAsStringAsync()}");
                var receipt = Receipts.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal(leafIndex, receipt.LeafIndex);
                var verification = Receipts.Verify(receipt, trusted);
                Assert.True(verification.Valid, verification.Error);
            }
        }

        var verify = await CareLedgerProcess.RunAsync(TimeSpan.FromMinutes(2), "verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
    }

    private static SignedTransaction AnchorTransaction(AuthorKey author)
    {
        var payload = new AnchorPayload("crash-test", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), new byte[512]).Encode();
        var tx = new Transaction(TxId.NewId(TimeProvider.System), TxType.Anchor, author.Id, DateTimeOffset.UtcNow, payload);
        return SignedTransaction.Sign(tx, author);
    }
}
