using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using CareLedger.Consortium;
using CareLedger.Consortium.LocalNetwork;
using CareLedger.Ledger.Consortium.Ordering;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Receipts;
using CareLedger.Ledger.Transactions;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger bench consortium</c>: committed transactions per second and the latency to a quorum-cosigned
/// checkpoint, through the members' HTTP API, on a local network of real processes; optionally the catch-up of a
/// member that missed N transactions.
/// </summary>
internal static partial class BenchCommands
{
    private static readonly TimeSpan ConsortiumStartTimeout = TimeSpan.FromMinutes(3);

    private static Command Consortium()
    {
        var networkDirectory = new Option<string?>("--network") { Description = "A local network ('careledger network up --dir ...'). Default: a fresh 3-member network in a temporary directory, removed afterwards." };
        var count = new Option<int>("--tx") { Description = "How many transactions to submit (spread over the members).", DefaultValueFactory = _ => 20_000 };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Concurrent HTTP submitters in total.", DefaultValueFactory = _ => 400 };
        var size = new Option<int>("--bytes") { Description = "Approximate size of each signed transaction.", DefaultValueFactory = _ => 1024 };
        var warmUp = new Option<int>("--warm-up") { Description = "Transactions submitted first, untimed, so that the members' JIT compilation and connections have settled (a network runs for months; 0: measure from cold).", DefaultValueFactory = _ => 20_000 };
        var perRequest = new Option<int>("--per-request") { Description = "Transactions per HTTP request: 1 posts each to /ledger/transactions; more post batches to /ledger/transactions/batch, each transaction still timed to its own commit.", DefaultValueFactory = _ => 1 };
        var catchUp = new Option<int>("--catch-up") { Description = "Then stop the last member, submit this many transactions to the others, restart it and time its catch-up (0: skip).", DefaultValueFactory = _ => 0 };
        var (store, postgres) = NetworkCommands.StoreOptions();
        var command = new Command("consortium", "Committed tx/s and p50/p99 submit → quorum-cosigned checkpoint on a local network of real processes; catch-up speed.") { networkDirectory, count, concurrency, perRequest, size, warmUp, catchUp, store, postgres };
        command.SetAction(async (parse, ct) =>
        {
            var (n, c, catchUpCount) = (parse.GetValue(count), parse.GetValue(concurrency), parse.GetValue(catchUp));
            var warmUpCount = parse.GetValue(warmUp);
            var batch = parse.GetValue(perRequest);
            if (n < 1 || c < 1 || catchUpCount < 0 || warmUpCount < 0 || batch is < 1 or > LedgerApi.LedgerEndpoints.MaxBatchTransactions)
            {
                throw new CliException($"--tx and --concurrency must be at least 1, --warm-up and --catch-up at least 0, --per-request 1 to {LedgerApi.LedgerEndpoints.MaxBatchTransactions}");
            }

            var owned = parse.GetValue(networkDirectory) is null;
            var directory = parse.GetValue(networkDirectory) ?? Path.Combine(Path.GetTempPath(), "careledger-bench-network-" + Guid.NewGuid().ToString("N")[..8]);
            var (kind, server) = NetworkCommands.Store(parse, store, postgres);
            var network = LocalNetwork.Open(directory) ?? (owned
                ? LocalNetwork.Create(directory, members: 3, natsServers: 3, quorum: null, ConsortiumCommands.DefaultCheckpointIntervalMs, kind, server)
                : throw new CliException($"no network in {directory}: create one with 'careledger network up --dir {directory}'"));
            try
            {
                Console.WriteLine($"network {network.Layout.Network}: {network.Layout.Members.Count} members, {network.Layout.NatsServers.Count} nats-servers; starting...");
                network.Start(ConsortiumStartTimeout);
                await network.WaitUntilServingAsync(ConsortiumStartTimeout, ct);
                using var http = BenchHttp(c);
                var members = Enumerable.Range(0, network.Layout.Members.Count).ToArray();
                if (warmUpCount > 0)
                {
                    await SubmitAsync(network, http, members, warmUpCount, c, batch, parse.GetValue(size), "warm-up (untimed)", ct);
                }

                var load = await SubmitAsync(network, http, members, n, c, batch, parse.GetValue(size), "load", ct);
                var receipts = await VerifySampleReceiptsAsync(network, http, load.Signed, ct);
                var table = new Table().AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
                table.AddRow("state and vault", network.Layout.Postgres is not null || kind == NetworkStore.Postgres ? "PostgreSQL, a schema per member" : "SQLite files");
                table.AddRow("members / quorum / nats-servers", $"{network.Layout.Members.Count} / {Founding.ReadGenesisTerms(network).Quorum} / {network.Layout.NatsServers.Count}");
                table.AddRow("transactions (after an untimed warm-up of)", $"{Format(n)} ({Format(warmUpCount)})");
                table.AddRow("signed transaction size", $"{Format(load.Result.TransactionBytes)} B");
                table.AddRow("concurrent HTTP requests × transactions per request", $"{Format(c)} × {Format(batch)}");
                table.AddRow("elapsed", $"{load.Result.Elapsed.TotalSeconds:F2} s");
                table.AddRow("[bold]committed tx/s[/]", $"[bold]{load.Result.TransactionsPerSecond:N0}[/]");
                table.AddRow("p50 submit → quorum-cosigned", Ms(load.Result.P50));
                table.AddRow("[bold]p99 submit → quorum-cosigned[/]", $"[bold]{Ms(load.Result.P99)}[/]");
                table.AddRow("max", Ms(load.Result.Max));
                var perThousand = 1000.0 / n;
                table.AddRow("[bold]CPU s per 1,000 committed tx, network[/]", $"[bold]{load.Cpu.Network.TotalSeconds * perThousand:F2}[/]");
                table.AddRow("  members / nats-servers / PostgreSQL", $"{load.Cpu.Members.TotalSeconds * perThousand:F2} / {load.Cpu.Nats.TotalSeconds * perThousand:F2} / {load.Cpu.Postgres.TotalSeconds * perThousand:F2}");
                table.AddRow("  load generator (this process)", $"{load.Cpu.LoadGenerator.TotalSeconds * perThousand:F2}");
                table.AddRow("transactions per stream message (batching)", load.StreamMessages > 0 ? $"{(double)n / load.StreamMessages:F1} ({Format(load.StreamMessages)} messages)" : "-");
                table.AddRow("sample receipts verified offline (quorum)", receipts);
                if (catchUpCount > 0)
                {
                    var (missed, elapsed) = await MeasureCatchUpAsync(network, http, catchUpCount, c, batch, parse.GetValue(size), ct);
                    table.AddRow("catch-up: transactions missed", Format(missed));
                    table.AddRow("[bold]catch-up: process start → applied and cosigned[/]", $"[bold]{elapsed.TotalSeconds:F2} s ({missed / elapsed.TotalSeconds:N0} tx/s)[/]");
                }

                AnsiConsole.Write(table);
                return 0;
            }
            finally
            {
                if (owned)
                {
                    network.Purge();
                }
            }
        });
        return command;
    }

    private static HttpClient BenchHttp(int concurrency) => new(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        Timeout = TimeSpan.FromSeconds(90),
    };

    /// <summary>
    /// Signs anchors with each target member's node key and submits each to its own member, one per request or
    /// <paramref name="perRequest"/> per batch request, timing each transaction until its member answers it (201/200).
    /// </summary>
    private static async Task<(LoadResult Result, SignedTransaction[] Signed, NetworkCpu Cpu, long StreamMessages)> SubmitAsync(LocalNetwork network, HttpClient http, int[] members, int transactions, int concurrency, int perRequest, int bytes, string stage, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var perMember = members.Select((member, i) =>
        {
            using var key = AuthorKey.Load(Path.Combine(network.MemberDataDirectory(member), "keys", NodeKeys.NodeKeyFile));
            return LedgerLoad.SignAnchors(key, (transactions / members.Length) + (i < transactions % members.Length ? 1 : 0), bytes, null, ct);
        }).ToArray();
        // Requests go to the members in turn; a batch holds one member's transactions (each member takes its own author's).
        var chunks = perMember.Select(p => p.Chunk(perRequest).ToArray()).ToArray();
        var requests = Enumerable.Range(0, chunks.Max(c => c.Length)).SelectMany(r => chunks.Where(c => r < c.Length).Select(c => c[r])).ToArray();
        var signed = requests.SelectMany(r => r).ToArray();
        var urlByAuthor = members.Select((member, i) => (perMember[i].Length > 0 ? perMember[i][0].Transaction.Author : default, network.Layout.Members[member].Url))
            .Where(p => p.Item1 != default).ToDictionary(p => p.Item1, p => p.Url);
        clock.Stop();
        Console.WriteLine($"{stage}: {transactions} transactions signed in {clock.Elapsed.TotalSeconds:F1} s; submitting with {concurrency} concurrent requests of {perRequest}...");
        var messagesBefore = await StreamMessagesAsync(network, http, ct);
        var cpuBefore = NetworkCpu.Read(network);
        var result = perRequest == 1
            ? await LedgerLoad.RunAsync(signed, async (tx, token) =>
            {
                using var content = new ByteArrayContent(tx.Encoded.ToArray());
                content.Headers.ContentType = new MediaTypeHeaderValue("application/cbor");
                using var response = await http.PostAsync(new Uri(urlByAuthor[tx.Transaction.Author] + "/ledger/transactions"), content, token);
                if (!response.IsSuccessStatusCode)
                {
                    throw new CliException($"a member answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
                }
            }, concurrency, clock.Elapsed, null, ct)
            : await LedgerLoad.RunBatchesAsync(requests, (batch, answered, token) =>
                SubmitBatchAsync(http, new Uri(urlByAuthor[batch[0].Transaction.Author] + "/ledger/transactions/batch"), batch, answered, token), concurrency, clock.Elapsed, null, ct);
        var cpu = NetworkCpu.Read(network) - cpuBefore;
        return (result, signed, cpu, await StreamMessagesAsync(network, http, ct) - messagesBefore);
    }

    /// <summary>Posts one batch and reports each transaction as its answer line arrives; any answer but 201/200 ends the bench.</summary>
    private static async Task SubmitBatchAsync(HttpClient http, Uri url, SignedTransaction[] batch, Action<int> answered, CancellationToken ct)
    {
        using var content = new ByteArrayContent(TransactionBatch.Of(batch).Encode());
        content.Headers.ContentType = new MediaTypeHeaderValue(TransactionBatch.MediaType);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException($"a member answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await lines.ReadLineAsync(ct) is { } line)
        {
            using var verdict = JsonDocument.Parse(line);
            var status = verdict.RootElement.GetProperty("status").GetInt32();
            if (status is not (201 or 200))
            {
                throw new CliException($"a member answered {status} for a transaction of a batch: {line}");
            }

            answered(verdict.RootElement.GetProperty("index").GetInt32());
        }
    }

    /// <summary>Messages in the network's transaction stream (batches and checkpoint ticks), from the first nats-server's monitoring port; 0 if it does not answer.</summary>
    private static async Task<long> StreamMessagesAsync(LocalNetwork network, HttpClient http, CancellationToken ct)
    {
        try
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{network.Layout.NatsServers[0].MonitorPort}/jsz?streams=true"), ct));
            var stream = "careledger-" + network.Layout.Network;
            foreach (var account in json.RootElement.GetProperty("account_details").EnumerateArray())
            {
                if (!account.TryGetProperty("stream_detail", out var details))
                {
                    continue;
                }

                foreach (var detail in details.EnumerateArray())
                {
                    if (detail.GetProperty("name").GetString() == stream)
                    {
                        return detail.GetProperty("state").GetProperty("messages").GetInt64();
                    }
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }

        return 0;
    }

    /// <summary>Fetches receipts of a few submitted transactions from another member than the one that took them, and verifies them offline against the genesis.</summary>
    private static async Task<string> VerifySampleReceiptsAsync(LocalNetwork network, HttpClient http, SignedTransaction[] signed, CancellationToken ct)
    {
        var terms = Founding.ReadGenesisTerms(network);
        var cosigners = terms.CosignerSet().Select(m => m.CosignerKey).ToArray();
        var sample = Enumerable.Range(0, 20).Select(i => signed[(int)((long)i * signed.Length / 20)]).ToArray();
        var valid = 0;
        for (var i = 0; i < sample.Length; i++)
        {
            var member = network.Layout.Members[i % network.Layout.Members.Count];
            var json = await http.GetStringAsync(new Uri($"{member.Url}/ledger/receipts/{sample[i].Transaction.Id}?waitMs=5000"), ct);
            valid += Receipts.Verify(Receipts.Parse(json), cosigners, terms.Quorum).Valid ? 1 : 0;
        }

        return $"{valid} of {sample.Length}";
    }

    /// <summary>Stops the last member, loads the others with <paramref name="missed"/> transactions, restarts it and waits until it applied and cosigned all of them.</summary>
    private static async Task<(int Missed, TimeSpan Elapsed)> MeasureCatchUpAsync(LocalNetwork network, HttpClient http, int missed, int concurrency, int perRequest, int bytes, CancellationToken ct)
    {
        var last = network.Layout.Members.Count - 1;
        network.StopMember(last);
        var others = Enumerable.Range(0, last).ToArray();
        await SubmitAsync(network, http, others, missed, concurrency, perRequest, bytes, "catch-up", ct);
        var target = (await MemberHealth.ReadAsync(http, network.Layout.Members[0], ct))?.Size ?? throw new CliException("member 1 does not answer");
        // Timed from the process start: .NET start-up and opening the node are part of a member's way back.
        var started = Stopwatch.StartNew();
        network.StartMember(network.Layout.Members[last]);
        while (true)
        {
            var health = await MemberHealth.ReadAsync(http, network.Layout.Members[last], ct);
            if (health is { } h && h.Size >= target && h.OwnCheckpointSize >= target)
            {
                return (missed, started.Elapsed);
            }

            if (started.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new CliException($"the restarted member did not catch up in 10 minutes (size {health?.Size}, target {target})");
            }

            await Task.Delay(50, ct);
        }
    }
}
