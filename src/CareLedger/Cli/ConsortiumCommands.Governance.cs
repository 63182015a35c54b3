using System.CommandLine;
using System.Net;
using System.Text.Json;
using CareLedger.Consortium;
using CareLedger.Ledger.Consortium.Bootstrap;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger consortium propose|vote|members</c> (ADR 0008): each proposal or vote is signed here with the member's
/// organisation key (from its data directory) and submitted to the member's own running node, which answers once a
/// quorum-cosigned checkpoint covers it; the network's rules judge it there, and a refusal is one line and exit 1.
/// </summary>
internal static partial class ConsortiumCommands
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(45);

    private static Option<string> NodeOption() => new("--node")
    {
        Description = "This member's running node, e.g. http://127.0.0.1:8080.",
        Required = true,
    };

    private static Command Propose()
    {
        var command = new Command("propose", "Propose a change to the network, signed by this member's organisation key (it counts as this member's approving vote).");
        var member = new Option<FileInfo>("--member") { Description = "The member's descriptor (member.json, from 'consortium keys').", Required = true };
        var join = new Command("join", "Admit a new member.") { member };
        AddCommon(join, (data, parse) => ConsortiumProposalPayload.Join(NetworkOf(data), Founding.ReadMember(parse.GetValue(member)!.FullName)));
        var leaveName = new Argument<string>("NAME") { Description = "The member that leaves." };
        var leave = new Command("leave", "Remove a member: its cosignatures stop counting and its keys are revoked where the proposal executes.") { leaveName };
        AddCommon(leave, (data, parse) => ConsortiumProposalPayload.Leave(NetworkOf(data), parse.GetValue(leaveName)!));
        var rotateName = new Argument<string>("NAME") { Description = "The member whose keys are replaced." };
        var rotated = new Option<FileInfo>("--member") { Description = "Its new descriptor, under the same name (keys it keeps stay the same).", Required = true };
        var rotate = new Command("rotate-key", "Replace a member's keys (after a compromise, or by policy).") { rotateName, rotated };
        AddCommon(rotate, (data, parse) =>
        {
            var descriptor = Founding.ReadMember(parse.GetValue(rotated)!.FullName);
            return descriptor.Name == parse.GetValue(rotateName)
                ? ConsortiumProposalPayload.RotateKey(NetworkOf(data), descriptor)
                : throw new CliException($"the descriptor is member '{descriptor.Name}''s, not '{parse.GetValue(rotateName)}''s");
        });
        var size = new Argument<int>("Q") { Description = "The new number of cosignatures that commit a checkpoint." };
        var quorum = new Command("quorum", "Change the quorum.") { size };
        AddCommon(quorum, (data, parse) => parse.GetValue(size) is var q and >= 1 and <= ConsortiumGenesisPayload.MaxMembers
            ? ConsortiumProposalPayload.ChangeQuorum(NetworkOf(data), q)
            : throw new CliException($"a quorum is between 1 and {ConsortiumGenesisPayload.MaxMembers}, not {parse.GetValue(size)}"));
        command.Subcommands.Add(join);
        command.Subcommands.Add(leave);
        command.Subcommands.Add(rotate);
        command.Subcommands.Add(quorum);
        return command;
    }

    private static Command Vote()
    {
        var id = new Argument<string>("PROPOSAL-ID") { Description = "The proposal's id (its transaction id, as 'propose' and 'members' print it)." };
        var choice = new Argument<string>("CHOICE") { Description = "yes or no." };
        var command = new Command("vote", "Vote on an open proposal, signed by this member's organisation key.") { id, choice };
        AddCommon(command, (data, parse) =>
        {
            var proposal = TxId.TryParse(parse.GetValue(id), out var parsed) ? parsed : throw new CliException($"'{parse.GetValue(id)}' is not a proposal id");
            var approve = parse.GetValue(choice) switch
            {
                "yes" => true,
                "no" => false,
                var other => throw new CliException($"vote 'yes' or 'no', not '{other}'"),
            };
            return new ConsortiumVotePayload(NetworkOf(data), proposal, approve);
        });
        return command;
    }

    private static Command Members()
    {
        var node = NodeOption();
        var at = new Option<long?>("--at") { Description = "The set and quorum that judge a checkpoint of this size (default: now)." };
        var command = new Command("members", "The member set in force (each since the leaf it joined or was rotated at), the quorum and the open proposals with their votes.") { node, at };
        command.SetAction(async (parse, ct) =>
        {
            var members = await GetMembersAsync(NodeUrl(parse.GetValue(node)!, "--node"), ct, parse.GetValue(at));
            Console.WriteLine($"network {members.GetProperty("network").GetString()} at size {members.GetProperty("size").GetInt64()}: quorum {members.GetProperty("quorum").GetInt32()} of {members.GetProperty("members").GetArrayLength()}");
            var table = new Table().AddColumn("member").AddColumn("organisation").AddColumn("since leaf").AddColumn("cosigner key");
            foreach (var member in members.GetProperty("members").EnumerateArray())
            {
                table.AddRow(Markup.Escape(member.GetProperty("name").GetString()!), Markup.Escape(member.GetProperty("organisation").GetString()!),
                    member.GetProperty("sinceLeaf").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(member.GetProperty("cosigner").GetString()!));
            }

            AnsiConsole.Write(table);
            foreach (var proposal in members.GetProperty("openProposals").EnumerateArray())
            {
                Console.WriteLine(DescribeOpen(proposal));
            }

            return 0;
        });
        return command;
    }

    /// <summary>--data, --node and the action: build the payload, sign it with the organisation key, submit, report.</summary>
    private static void AddCommon(Command command, Func<string, ParseResult, ITransactionPayload> payload)
    {
        var data = CareLedgerCli.DataOption();
        var node = NodeOption();
        command.Options.Add(data);
        command.Options.Add(node);
        command.SetAction(async (parse, ct) =>
        {
            var directory = parse.GetValue(data)!;
            var url = NodeUrl(parse.GetValue(node)!, "--node");
            var built = payload(directory, parse);
            SignedTransaction signed;
            using (var keys = LoadKeys(directory))
            {
                signed = SignedTransaction.Sign(Transaction.Create(built, keys.Organisation.Id, TimeProvider.System), keys.Organisation);
            }

            var leaf = await SubmitAsync(url, signed, ct);
            var proposalId = built is ConsortiumVotePayload vote ? vote.Proposal : signed.Transaction.Id;
            var members = await GetMembersAsync(url, ct);
            var open = members.GetProperty("openProposals").EnumerateArray().FirstOrDefault(p => p.GetProperty("id").GetString() == proposalId.ToString());
            var what = built is ConsortiumVotePayload ? $"vote on proposal {proposalId}" : $"proposal {proposalId}";
            Console.WriteLine(open.ValueKind == JsonValueKind.Object
                ? $"{what} committed at leaf {leaf}; still open: {DescribeOpen(open)}"
                : $"{what} committed at leaf {leaf}; the proposal is closed (executed, or rejected): 'consortium members' shows the member set in force");
            return 0;
        });
    }

    private static string DescribeOpen(JsonElement proposal)
    {
        var subject = proposal.GetProperty("subject").GetString() ?? proposal.GetProperty("quorum").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var approvals = string.Join(", ", proposal.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()));
        var rejections = string.Join(", ", proposal.GetProperty("rejections").EnumerateArray().Select(a => a.GetString()));
        return $"open proposal {proposal.GetProperty("id").GetString()}: {proposal.GetProperty("action").GetString()} {subject} (leaf {proposal.GetProperty("leaf").GetInt64()}); yes: {approvals}; no: {(rejections.Length == 0 ? "none" : rejections)}";
    }

    private static NodeKeys LoadKeys(string directory)
    {
        try
        {
            return NodeKeys.Load(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliException($"cannot read this member's keys in {directory}: {e.Message}");
        }
    }

    private static string NetworkOf(string directory)
    {
        var paths = NodePaths.For(directory);
        if (!paths.IsInitialised)
        {
            throw new CliException($"{directory} is not a member's data directory (no {paths.NodeConfig})");
        }

        return NodeConfig.Load(paths).Consortium?.Network ?? throw new CliException($"{directory} is a single node's, not a consortium member's");
    }

    /// <summary>How many times a signed governance transaction is offered before the command gives up.</summary>
    private const int SubmitAttempts = 3;

    /// <summary>
    /// Submits and waits for the quorum-cosigned commit. A node answers 503 when the commit takes longer than its own wait
    /// (a busy network, a member that just joined still catching up); the same signed transaction is then offered again,
    /// which is safe because the ledger de-duplicates by transaction id and applies it once.
    /// </summary>
    private static async Task<long> SubmitAsync(Uri node, SignedTransaction signed, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SubmitOnceAsync(node, signed, ct);
            }
            catch (CommitPendingException pending) when (attempt < SubmitAttempts)
            {
                await Console.Error.WriteLineAsync($"careledger: not committed yet; offering the same signed transaction again ({attempt + 1} of {SubmitAttempts}): {pending.Message}");
            }
            catch (CommitPendingException pending)
            {
                throw new CliException(pending.Message);
            }
        }
    }

    private sealed class CommitPendingException(string message) : Exception(message);

    private static async Task<long> SubmitOnceAsync(Uri node, SignedTransaction signed, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = NodeTimeout };
        using var content = new ByteArrayContent(signed.Encoded.ToArray());
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(new Uri(node, "/ledger/transactions"), content, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new CliException($"the node at {node} did not answer: {e.Message}");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && body.Contains("\"timeout\"", StringComparison.Ordinal))
            {
                throw new CommitPendingException($"refused by the network: {NodeAnswers.Diagnostics(body)}");
            }

            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
            {
                throw new CliException($"refused by the network: {NodeAnswers.Diagnostics(body)}");
            }

            using var answer = JsonDocument.Parse(body);
            return answer.RootElement.GetProperty("leafIndex").GetInt64();
        }
    }

    private static async Task<JsonElement> GetMembersAsync(Uri node, CancellationToken ct, long? at = null)
    {
        using var http = new HttpClient { Timeout = NodeTimeout };
        try
        {
            using var response = await http.GetAsync(new Uri(node, at is { } size ? $"/ledger/consortium/members?at={size}" : "/ledger/consortium/members"), ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"the node at {node}: {NodeAnswers.Diagnostics(body)}");
            }

            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            throw new CliException($"the node at {node} did not answer like a consortium member: {e.Message}");
        }
    }

    private static ConsortiumSnapshot FetchSnapshot(Uri node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        try
        {
            using var response = http.GetAsync(new Uri(node, "/ledger/consortium/snapshot")).GetAwaiter().GetResult();
            var body = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"the member at {node} gave no snapshot: {NodeAnswers.Diagnostics(System.Text.Encoding.UTF8.GetString(body))}");
            }

            return ConsortiumSnapshot.Decode(body);
        }
        catch (FormatException e)
        {
            throw new CliException($"the snapshot from {node} is unreadable: {e.Message}", exitCode: 2);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new CliException($"the member at {node} did not answer: {e.Message}");
        }
    }

    private static Uri NodeUrl(string text, string option) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new CliException($"{option} '{text}' is not an http(s) URL of a node (e.g. http://127.0.0.1:8080)");

}
