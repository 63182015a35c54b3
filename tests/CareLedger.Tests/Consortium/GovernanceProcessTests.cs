using System.Security.Cryptography;
using System.Text.Json;
using CareLedger.Consortium;
using CareLedger.Consortium.LocalNetwork;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Receipts;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Consortium;

/// <summary>
/// Governance on real processes (ADR 0008, ADR 0010): three nats-servers and three members from <c>careledger network
/// up</c>; a fourth institution's keys, proposed and voted in with <c>careledger consortium propose|vote</c>, bad
/// votes refused with one line and exit 1, the new member joined from a running member's snapshot with <c>consortium
/// join --snapshot-from</c> and served by <c>careledger serve</c>, then needed for every commit once the quorum is four.
/// (Departures, rotations and tampered snapshots are held to the same engine on a real nats-server in
/// GovernanceEngineTests, on SQLite and PostgreSQL.)
/// </summary>
[Collection(ConsortiumProcesses.Name)]
public sealed class GovernanceProcessTests
{
    private static readonly TimeSpan Command = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_fourth_member_voted_in_from_the_command_line_joins_from_a_snapshot_and_is_needed_for_every_commit()
    {
        await using var network = await RunningNetwork.UpAsync("--store", "sqlite");
        using var scratch = new TempDirectory();
        var newcomer = scratch.Combine("member4");
        var genesis = NetworkLayout.GenesisPath(network.Directory);
        string Node(int member) => network.Members[member].Url;
        string Data(int member) => network.MemberData(member);

        await Succeeds("consortium", "keys", "--data", newcomer, "--name", "member4.local", "--organisation", "Fourth Hospital");
        var proposed = await Succeeds("consortium", "propose", "join", "--member", Path.Combine(newcomer, MemberDescriptor.FileName), "--data", Data(0), "--node", Node(0));
        Assert.Contains("still open", proposed, StringComparison.Ordinal);
        var id = proposed.Split(' ')[1];

        // Bad input and bad votes: one line on stderr, exit 1, and nothing changes.
        Assert.Contains("is not a proposal id", await Fails("consortium", "vote", "not-an-id", "yes", "--data", Data(1), "--node", Node(1)), StringComparison.Ordinal);
        Assert.Contains("vote 'yes' or 'no'", await Fails("consortium", "vote", id, "maybe", "--data", Data(1), "--node", Node(1)), StringComparison.Ordinal);
        Assert.Contains("already voted", await Fails("consortium", "vote", id, "yes", "--data", Data(0), "--node", Node(0)), StringComparison.Ordinal);
        Assert.Contains("is not open", await Fails("consortium", "vote", TxId.NewId(TimeProvider.System).ToString(), "yes", "--data", Data(1), "--node", Node(1)), StringComparison.Ordinal);
        Assert.Contains("not a member's data directory", await Fails("consortium", "vote", id, "yes", "--data", newcomer, "--node", Node(1)), StringComparison.Ordinal);
        Assert.Contains("more than the 3 members in force", await Fails("consortium", "propose", "quorum", "4", "--data", Data(0), "--node", Node(0)), StringComparison.Ordinal);

        // A joining member cannot bootstrap before the vote that admits it.
        Assert.Contains("not the key of a member in force", await Fails(2, "consortium", "join", "--data", newcomer, "--genesis", genesis, "--nats", network.Network.Layout.NatsUrls, "--snapshot-from", Node(2)),
            StringComparison.Ordinal);

        Assert.Contains("closed", await Succeeds("consortium", "vote", id, "yes", "--data", Data(1), "--node", Node(1)), StringComparison.Ordinal);
        var members = await Succeeds("consortium", "members", "--node", Node(2));
        Assert.Contains("member4.local", members, StringComparison.Ordinal);
        Assert.Contains("quorum 2 of 4", members, StringComparison.Ordinal);

        // A checkpoint that does not contain the proposal is judged by the founders alone.
        var proposedAt = System.Text.RegularExpressions.Regex.Match(proposed, @"committed at leaf (\d+)").Groups[1].Value;
        var before = await Succeeds("consortium", "members", "--node", Node(2), "--at", proposedAt);
        Assert.DoesNotContain("member4.local", before, StringComparison.Ordinal);
        Assert.Contains("quorum 2 of 3", before, StringComparison.Ordinal);

        // The fourth member joins from member 3's snapshot and serves.
        await Succeeds("consortium", "join", "--data", newcomer, "--genesis", genesis, "--nats", network.Network.Layout.NatsUrls, "--snapshot-from", Node(2));
        var url = $"http://127.0.0.1:{DetachedProcess.FreePort()}";
        await using var fourth = CareLedgerProcess.Start("serve", "--data", newcomer, "--urls", url);
        await fourth.WaitUntilListeningAsync(TimeSpan.FromMinutes(2));

        // Quorum four: from now on nothing commits without the fourth member's cosignature.
        var raise = await Succeeds("consortium", "propose", "quorum", "4", "--data", Data(0), "--node", Node(0));
        var vote = await Described(network, fourth, url, () => Succeeds("consortium", "vote", raise.Split(' ')[1], "yes", "--data", Data(2), "--node", Node(2)));
        Assert.Contains("closed", vote, StringComparison.Ordinal);
        using var author = network.NodeKey(0);
        var tx = SignedTransaction.Sign(Transaction.Create(new AnchorPayload("governance-test", RandomNumberGenerator.GetBytes(32), []), author.Id, TimeProvider.System), author);
        var submitted = await network.SubmitAsync(0, tx, CancellationToken.None);
        Assert.True(submitted.Committed, submitted.Committed ? "" : await DescribeAsync(network, fourth, url));

        var receipt = Receipts.Parse(await network.Http.GetStringAsync(new Uri($"{url}/ledger/receipts/{tx.Transaction.Id}?waitMs=5000")));
        var newcomerKey = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(newcomer, MemberDescriptor.FileName))).RootElement.GetProperty("cosignerKey").GetString()!;
        var cosigners = JsonDocument.Parse(await network.Http.GetStringAsync(new Uri($"{Node(1)}/ledger/consortium/members"))).RootElement
            .GetProperty("members").EnumerateArray().Select(m => VerifierKey.Parse(m.GetProperty("cosigner").GetString()!)).ToArray();
        Assert.Equal(4, cosigners.Length);
        var verified = Receipts.Verify(receipt, cosigners, 4);
        Assert.True(verified.Valid, verified.Error);
        Assert.Contains(VerifierKey.Parse(newcomerKey).Name, SignedNote.Parse(receipt.Checkpoint).Signatures.Select(s => s.KeyName));
        await fourth.StopAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Runs <paramref name="step"/>; if it fails, fails with where every member stands (see <see cref="DescribeAsync"/>).</summary>
    private static async Task<T> Described<T>(RunningNetwork network, CareLedgerProcess fourth, string fourthUrl, Func<Task<T>> step)
    {
        try
        {
            return await step();
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException or HttpRequestException)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n" + await DescribeAsync(network, fourth, fourthUrl));
        }
    }

    /// <summary>
    /// What a failed commit needs to be diagnosed: each member's /health (size, committed size, own checkpoint size,
    /// alarms), the latest cosignature each member published on the network's cosignature stream, and each member's log.
    /// </summary>
    private static async Task<string> DescribeAsync(RunningNetwork network, CareLedgerProcess fourth, string fourthUrl)
    {
        var report = new System.Text.StringBuilder();
        var urls = network.Members.Select(m => m.Url).Append(fourthUrl).ToArray();
        string? networkName = null;
        foreach (var (memberUrl, i) in urls.Select((u, i) => (u, i)))
        {
            try
            {
                var health = await network.Http.GetStringAsync(new Uri(memberUrl + "/health"));
                networkName ??= JsonDocument.Parse(health).RootElement.GetProperty("consortium").GetProperty("network").GetString();
                report.Append("member ").Append(i).Append(" health: ").AppendLine(health);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                report.Append("member ").Append(i).Append(" health: ").AppendLine(e.Message);
            }
        }

        try
        {
            var members = JsonDocument.Parse(await network.Http.GetStringAsync(new Uri(urls[0] + "/ledger/consortium/members"))).RootElement.GetProperty("members");
            await using var connection = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = network.Network.Layout.NatsUrls });
            var stream = new CareLedger.Ledger.Consortium.Cosigning.CosignatureStream(connection, networkName ?? "", 1);
            foreach (var member in members.EnumerateArray())
            {
                var key = VerifierKey.Parse(member.GetProperty("cosigner").GetString()!);
                var latest = await stream.LatestOfAsync(key);
                var text = latest?.Note?.Text.Split('\n');
                report.Append("latest cosignature on the stream by ").Append(key.Name).Append(": ")
                    .AppendLine(text is null ? "none" : $"stream seq {latest!.Value.Sequence}, size {text[1]}, root {text[2]}");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            report.Append("cosignature stream: ").AppendLine(e.Message);
        }

        for (var i = 0; i < network.Members.Count; i++)
        {
            report.Append("--- member ").Append(i).AppendLine(" log ---").AppendLine(network.MemberLog(i));
        }

        report.AppendLine("--- the fourth member's output ---").AppendLine(fourth.Output);
        return report.ToString();
    }

    private static async Task<string> Succeeds(params string[] args)
    {
        var (exit, stdout, stderr) = await CareLedgerProcess.RunAsync(Command, args);
        Assert.True(exit == 0, $"careledger {string.Join(' ', args)} exited {exit}: {stdout}{stderr}");
        return stdout;
    }

    private static Task<string> Fails(params string[] args) => Fails(1, args);

    private static async Task<string> Fails(int code, params string[] args)
    {
        var (exit, stdout, stderr) = await CareLedgerProcess.RunAsync(Command, args);
        Assert.True(exit == code, $"careledger {string.Join(' ', args)} exited {exit}, not {code}: {stdout}{stderr}");
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return stderr;
    }
}
