using CareLedger.Tests.Support;

namespace CareLedger.Tests.Cli;

/// <summary>
/// The command line's promise: the main commands work end to end, and anything a user gets wrong ends with
/// one clear line on standard error, a non-zero exit code, and nothing changed.
/// </summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Init_refuses_to_overwrite_an_existing_node_and_leaves_its_keys_unchanged()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        var first = await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data, "--origin", "cli.test/one");
        Assert.Equal(0, first.ExitCode);
        var keyBefore = await File.ReadAllBytesAsync(Path.Combine(data, "keys", "log.key"));

        var second = await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data, "--origin", "cli.test/two");

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("refusing to overwrite", second.Stderr, StringComparison.Ordinal);
        Assert.Single(second.Stderr.Trim().Split('\n'));
        Assert.Equal(keyBefore, await File.ReadAllBytesAsync(Path.Combine(data, "keys", "log.key")));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Keys_are_created_readable_only_by_their_owner()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data)).ExitCode);

        var keyFiles = Directory.GetFiles(Path.Combine(data, "keys"));
        Assert.NotEmpty(keyFiles);
        foreach (var file in keyFiles)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task An_invalid_origin_is_refused_with_one_line_and_creates_nothing()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");

        var result = await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data, "--origin", "has space");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("careledger: invalid --origin", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public async Task The_checkpoint_policy_is_set_at_init_and_nonsense_is_refused()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");

        var zero = await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data, "--checkpoint-every", "0");
        var good = await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data, "--checkpoint-every", "3", "--checkpoint-interval-ms", "60000");

        Assert.Equal(1, zero.ExitCode);
        Assert.Contains("--checkpoint-every", zero.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, good.ExitCode);
        using var config = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "node.json")));
        Assert.Equal(3, config.RootElement.GetProperty("checkpointEveryTransactions").GetInt32());
        Assert.Equal(60000, config.RootElement.GetProperty("checkpointIntervalMilliseconds").GetInt32());
    }

    [Fact]
    public async Task Bench_fhir_reports_import_create_and_read_figures_in_process_and_over_http()
    {
        var organisations = Path.Combine(AppContext.BaseDirectory, "TestData", "synthea", "hospitalInformation1559319163815.json");

        var bench = await CareLedgerProcess.RunAsync(Timeout, "bench", "fhir", "--clients", "2", "--creates", "3", "--reads", "5", "--import", organisations);

        Assert.True(bench.ExitCode == 0, bench.Stdout + bench.Stderr);
        foreach (var row in new[] { "import", "create, in process", "read by id, in", "create over HTTP", "read by id over HTTP" })
        {
            Assert.Contains(row, bench.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bench_ai_reports_training_time_and_prediction_latency_in_process_and_over_http()
    {
        var bench = await CareLedgerProcess.RunAsync(TimeSpan.FromMinutes(6), "bench", "ai", "--rows", "60", "--predictions", "3", "--clients", "2");

        Assert.True(bench.ExitCode == 0, bench.Stdout + bench.Stderr);
        foreach (var row in new[] { "read the pima cohort through the door", "train pima-logistic-regression", "train wdbc-fast-tree", "predict in process, wdbc-logistic-regression",
            "$predict over HTTP, pima-logistic-regression, 1 client", "$predict over HTTP, pima-logistic-regression, 2 clients" })
        {
            Assert.Contains(row, bench.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Commands_on_a_directory_that_is_not_a_node_say_so()
    {
        using var dir = new TempDirectory();

        var verify = await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", dir.Path);
        var serve = await CareLedgerProcess.RunAsync(Timeout, "serve", "--data", dir.Path);

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("no CareLedger node", verify.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, serve.ExitCode);
        Assert.Contains("careledger init", serve.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupted_log_record_before_the_tail_stops_verify_and_serve_naming_where()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data)).ExitCode);
        var load = await CareLedgerProcess.RunAsync(Timeout, "bench", "ledger", "--data", data, "--tx", "200", "-c", "8");
        Assert.True(load.ExitCode == 0, load.Stdout + load.Stderr);
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", data)).ExitCode);

        var segment = Directory.GetFiles(Path.Combine(data, "log"), "*.seg").Single();
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(segment, bytes);

        var verify = await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", data);
        var serve = await CareLedgerProcess.RunAsync(Timeout, "serve", "--data", data, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, verify.ExitCode);
        Assert.Contains(Path.GetFileName(segment), verify.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, serve.ExitCode);
        Assert.Contains("corrupt", serve.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(segment)); // refusing to start changed nothing
    }

    [Fact]
    public async Task Receipt_verify_accepts_a_good_receipt_and_rejects_a_wrong_key_and_a_tampered_receipt()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("node");
        Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", data, "--origin", "cli.test/receipts")).ExitCode);
        var keys = await CareLedgerProcess.RunAsync(Timeout, "keys", "--data", data);
        var logKey = keys.Stdout.Split('\n').Single(l => l.StartsWith("log key", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
        var receiptFile = dir.Combine("receipt.json");
        var get = await CareLedgerProcess.RunAsync(Timeout, "receipt", "get", "--data", data, "0", "-o", receiptFile);
        Assert.True(get.ExitCode == 0, get.Stderr);

        var good = await CareLedgerProcess.RunAsync(Timeout, "receipt", "verify", receiptFile, "--key", logKey);
        Assert.True(good.ExitCode == 0, good.Stderr);
        Assert.Contains("receipt valid", good.Stdout, StringComparison.Ordinal);

        using (var other = new TempDirectory())
        {
            var otherData = other.Combine("node");
            Assert.Equal(0, (await CareLedgerProcess.RunAsync(Timeout, "init", "--data", otherData, "--origin", "cli.test/receipts")).ExitCode);
            var otherKeys = await CareLedgerProcess.RunAsync(Timeout, "keys", "--data", otherData);
            var otherKey = otherKeys.Stdout.Split('\n').Single(l => l.StartsWith("log key", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
            var wrongKey = await CareLedgerProcess.RunAsync(Timeout, "receipt", "verify", receiptFile, "--key", otherKey);
            Assert.Equal(2, wrongKey.ExitCode);
            Assert.StartsWith("careledger: receipt INVALID", wrongKey.Stderr, StringComparison.Ordinal);
        }

        var text = await File.ReadAllTextAsync(receiptFile);
        var rootLine = text.IndexOf("\\n", text.IndexOf("\"checkpoint\"", StringComparison.Ordinal), StringComparison.Ordinal);
        await File.WriteAllTextAsync(receiptFile, text.Replace("cli.test/receipts\\n1\\n", "cli.test/receipts\\n2\\n", StringComparison.Ordinal));
        Assert.True(rootLine > 0);
        var tampered = await CareLedgerProcess.RunAsync(Timeout, "receipt", "verify", receiptFile, "--key", logKey);
        Assert.Equal(2, tampered.ExitCode);

        var garbage = dir.Combine("garbage.json");
        await File.WriteAllTextAsync(garbage, "{ not json");
        var notAReceipt = await CareLedgerProcess.RunAsync(Timeout, "receipt", "verify", garbage, "--key", logKey);
        Assert.Equal(1, notAReceipt.ExitCode);
        Assert.Contains("is not a CareLedger receipt", notAReceipt.Stderr, StringComparison.Ordinal);

        var badKey = await CareLedgerProcess.RunAsync(Timeout, "receipt", "verify", receiptFile, "--key", "not-a-key");
        Assert.Equal(1, badKey.ExitCode);
        Assert.Contains("not a verifier key", badKey.Stderr, StringComparison.Ordinal);
    }
}
