using System.CommandLine;
using CareLedger.Consortium;
using CareLedger.Ledger.Transactions;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger consortium keys|genesis|approve|seal|show|join</c>: founding a network of several institutions
/// (ADR 0005), each founder on its own machine, exchanging only public files; <c>propose|vote|members</c>: changing it
/// afterwards by proposals and votes on the ledger (ADR 0008), and a member admitted that way joins from a snapshot (ADR 0010).
/// </summary>
internal static partial class ConsortiumCommands
{
    public const int DefaultCheckpointEvery = 1000;
    public const int DefaultCheckpointIntervalMs = 100;

    public static Command Create()
    {
        var command = new Command("consortium", "Found or join a consortium network: several members on one ledger over NATS JetStream.");
        command.Subcommands.Add(Keys());
        command.Subcommands.Add(Genesis());
        command.Subcommands.Add(Approve());
        command.Subcommands.Add(Seal());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Join());
        command.Subcommands.Add(Propose());
        command.Subcommands.Add(Vote());
        command.Subcommands.Add(Members());
        return command;
    }

    private static Command Keys()
    {
        var data = CareLedgerCli.DataOption();
        var name = new Option<string>("--name") { Description = "This member's name in the network (a key name, e.g. stmarys.example).", Required = true };
        var organisation = new Option<string>("--organisation") { Description = "The member organisation's name.", Required = true };
        var command = new Command("keys", $"Create a prospective member's keys (mode 0600) and its public descriptor DATA/{MemberDescriptor.FileName}.") { data, name, organisation };
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(data)!;
            var member = Founding.CreateMember(directory, parse.GetValue(name)!, parse.GetValue(organisation)!);
            Console.WriteLine($"member {member.Name} ({member.OrganisationName}): keys in {Path.Combine(directory, "keys")}");
            Console.WriteLine($"send {Path.Combine(directory, MemberDescriptor.FileName)} to whoever drafts the genesis");
            return 0;
        });
        return command;
    }

    private static Command Genesis()
    {
        var origin = new Option<string>("--origin") { Description = "The network's checkpoint origin (e.g. careledger.example/north-health).", Required = true };
        var network = new Option<string>("--network") { Description = "The network's JetStream name: a-z, 0-9, '-', '_'.", Required = true };
        var quorum = new Option<int?>("--quorum") { Description = "Cosignatures that commit a checkpoint. Default: a majority of the members." };
        var every = new Option<int>("--checkpoint-every") { Description = "A checkpoint after this many transactions...", DefaultValueFactory = _ => DefaultCheckpointEvery };
        var interval = new Option<int>("--checkpoint-interval-ms") { Description = "...or this much stream time, whichever comes first.", DefaultValueFactory = _ => DefaultCheckpointIntervalMs };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the draft.", Required = true };
        var members = new Argument<FileInfo[]>("MEMBER") { Description = "The founders' member.json files.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("genesis", "Draft a network's genesis from its founders' descriptors; each founder then approves it.") { origin, network, quorum, every, interval, output, members };
        command.SetAction(parse =>
        {
            var founders = parse.GetValue(members)!.Select(f => Founding.ReadMember(f.FullName)).ToList();
            var draft = Founding.Draft(parse.GetValue(origin)!, parse.GetValue(network)!, parse.GetValue(quorum), parse.GetValue(every), parse.GetValue(interval), founders);
            var file = parse.GetValue(output)!;
            File.WriteAllBytes(file.FullName, draft.Encode());
            Console.WriteLine($"draft written to {file.FullName}: {draft.Members.Count} founders, quorum {draft.Quorum}; each founder runs 'careledger consortium approve {file.Name} --data <its data>'");
            return 0;
        });
        return command;
    }

    private static Command Approve()
    {
        var data = CareLedgerCli.DataOption();
        var draft = new Argument<FileInfo>("DRAFT") { Description = "The genesis draft (rewritten with this founder's approval)." };
        var command = new Command("approve", "Approve a genesis draft with this founder's organisation key (read the terms first: 'consortium show').") { data, draft };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(draft)!;
            var approved = Founding.Approve(Founding.ReadDraft(file.FullName), parse.GetValue(data)!);
            File.WriteAllBytes(file.FullName, approved.Encode());
            var missing = approved.MissingApprovals();
            Console.WriteLine(missing.Count == 0
                ? $"approved; every founder has approved: seal it with 'careledger consortium seal {file.Name} -o genesis.cbor'"
                : $"approved; still missing: {string.Join(", ", missing)}");
            return 0;
        });
        return command;
    }

    private static Command Seal()
    {
        var data = CareLedgerCli.DataOption();
        var draft = new Argument<FileInfo>("DRAFT") { Description = "The genesis draft, approved by every founder." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the genesis.", Required = true };
        var command = new Command("seal", "Sign the fully approved genesis with this founder's organisation key: the network's genesis file.") { data, draft, output };
        command.SetAction(parse =>
        {
            var genesis = Founding.Seal(Founding.ReadDraft(parse.GetValue(draft)!.FullName), parse.GetValue(data)!);
            var file = parse.GetValue(output)!;
            File.WriteAllBytes(file.FullName, genesis.Encoded.ToArray());
            Console.WriteLine($"genesis written to {file.FullName}; every member joins with it: 'careledger consortium join --genesis {file.Name} --nats ...'");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A genesis draft or a sealed genesis." };
        var command = new Command("show", "Print a genesis draft's or genesis's terms, members and approvals.") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var bytes = File.ReadAllBytes(path);
            ConsortiumGenesisPayload terms;
            string kind;
            try
            {
                terms = (ConsortiumGenesisPayload)TransactionPayloads.Decode(Founding.ReadGenesis(path).Transaction);
                kind = "sealed genesis";
            }
            catch (CliException)
            {
                terms = Founding.ReadDraft(path);
                kind = "draft";
            }

            Console.WriteLine($"{kind}: origin {terms.Origin}, network {terms.Network}, quorum {terms.Quorum} of {terms.Members.Count}, checkpoint every {terms.CheckpointEvery} transactions or {terms.CheckpointIntervalMs} ms ({bytes.Length} bytes)");
            var missing = terms.MissingApprovals();
            var table = new Table().AddColumn("member").AddColumn("organisation").AddColumn("cosigner key").AddColumn("approved");
            foreach (var member in terms.Members)
            {
                table.AddRow(Markup.Escape(member.Name), Markup.Escape(member.OrganisationName), Markup.Escape(member.CosignerVerifierKey), missing.Contains(member.Name) ? "no" : "yes");
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Join()
    {
        var data = CareLedgerCli.DataOption();
        var genesis = new Option<FileInfo>("--genesis") { Description = "The network's sealed genesis.", Required = true };
        var nats = new Option<string>("--nats") { Description = "The network's NATS servers, comma-separated (nats://host:port,...).", Required = true };
        var replicas = new Option<int>("--replicas") { Description = "Replicas of the network's streams (3 with three NATS servers).", DefaultValueFactory = _ => 3 };
        var postgres = new Option<string?>("--postgres") { Description = "Keep this member's ledger state and vault on this PostgreSQL server (Npgsql connection string) instead of SQLite files." };
        var schema = new Option<string?>("--postgres-schema") { Description = "The member's own schema on that server. Default: careledger_ and the letters and digits of the member's name." };
        var snapshotFrom = new Option<string?>("--snapshot-from")
        {
            Description = "For a member the network voted in after its genesis: a running member's URL (http://host:port) to bootstrap from; its snapshot is checked against the quorum's checkpoint and replayed with the rules.",
        };
        var command = new Command("join", "Make this member's data directory a member of the network: the genesis becomes leaf 0 of its log (a member voted in later: from another member's snapshot).")
        {
            data, genesis, nats, replicas, postgres, schema, snapshotFrom,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(replicas) < 1)
            {
                throw new CliException("--replicas must be at least 1");
            }

            var snapshot = parse.GetValue(snapshotFrom) is { } from ? FetchSnapshot(NodeUrl(from, "--snapshot-from")) : null;
            var config = Founding.Join(parse.GetValue(data)!, Founding.ReadGenesis(parse.GetValue(genesis)!.FullName), parse.GetValue(nats)!, parse.GetValue(replicas),
                parse.GetValue(postgres), parse.GetValue(schema), snapshot);
            Console.WriteLine($"member {config.Consortium!.Member} joined network {config.Consortium.Network} (origin {config.Origin}); run it with 'careledger serve --data {parse.GetValue(data)}'");
            return 0;
        });
        return command;
    }
}
