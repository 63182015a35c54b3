using CareLedger.Ledger.Consortium.Bootstrap;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;

namespace CareLedger.Consortium;

/// <summary>
/// The steps that found a consortium network (ADR 0005), shared by the <c>consortium</c> commands (one founder at a
/// time, each on its own machine) and <c>network up</c> (all founders at once on this machine): member keys, a draft
/// genesis, each founder's approval, the sealed genesis, and each member joining it.
/// </summary>
internal static class Founding
{
    /// <summary>Creates a prospective member's keys in <paramref name="dataDirectory"/> and writes its public descriptor there.</summary>
    public static FoundingMember CreateMember(string dataDirectory, string name, string organisation)
    {
        if (GenesisPayload.OriginProblem(name) is { } problem)
        {
            throw new CliException($"invalid member name '{name}': {problem} (for example stmarys.example)");
        }

        if (GenesisPayload.OrganisationNameProblem(organisation) is { } organisationProblem)
        {
            throw new CliException($"invalid organisation name: {organisationProblem}");
        }

        var paths = NodePaths.For(dataDirectory);
        if (paths.IsInitialised || Directory.Exists(paths.Keys))
        {
            throw new CliException($"{paths.DataDirectory} already holds a node or its keys; refusing to overwrite them");
        }

        Directory.CreateDirectory(paths.DataDirectory);
        using var keys = NodeKeys.Create(paths.DataDirectory, name, organisation);
        var member = keys.AsFoundingMember(organisation);
        File.WriteAllText(Path.Combine(paths.DataDirectory, MemberDescriptor.FileName), MemberDescriptor.Write(member));
        return member;
    }

    public static FoundingMember ReadMember(string path)
    {
        try
        {
            return MemberDescriptor.Read(File.ReadAllText(path));
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            throw new CliException($"{path}: {e.Message}");
        }
    }

    public static ConsortiumGenesisPayload Draft(string origin, string network, int? quorum, int checkpointEvery, int checkpointIntervalMs, IReadOnlyList<FoundingMember> members)
    {
        try
        {
            return ConsortiumGenesisPayload.Draft(origin, network, quorum ?? (members.Count / 2) + 1, checkpointEvery, checkpointIntervalMs, members);
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    public static ConsortiumGenesisPayload ReadDraft(string path)
    {
        try
        {
            return ConsortiumGenesisPayload.Decode(File.ReadAllBytes(path));
        }
        catch (InvalidTransactionException e)
        {
            throw new CliException($"{path} is not a genesis draft: {e.Message}");
        }
    }

    /// <summary>The draft with the approval of the member whose keys are in <paramref name="dataDirectory"/>.</summary>
    public static ConsortiumGenesisPayload Approve(ConsortiumGenesisPayload draft, string dataDirectory)
    {
        using var keys = NodeKeys.Load(dataDirectory);
        try
        {
            return draft.WithApproval(keys.Origin, keys.Organisation);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"this member cannot approve the draft: {e.Message}");
        }
    }

    public static SignedTransaction Seal(ConsortiumGenesisPayload draft, string dataDirectory)
    {
        using var keys = NodeKeys.Load(dataDirectory);
        try
        {
            return draft.Seal(keys.Organisation, TimeProvider.System);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new CliException($"cannot seal the genesis: {e.Message}");
        }
    }

    public static SignedTransaction ReadGenesis(string path)
    {
        try
        {
            var genesis = SignedTransaction.Decode(File.ReadAllBytes(path));
            return genesis.Transaction.Type == TxType.ConsortiumGenesis
                ? genesis
                : throw new CliException($"{path} holds a {genesis.Transaction.Type} transaction, not a consortium genesis");
        }
        catch (InvalidTransactionException e)
        {
            throw new CliException($"{path} is not a genesis: {e.Message}");
        }
    }

    /// <summary>The terms of a local network's genesis (members, quorum, checkpoint policy).</summary>
    public static ConsortiumGenesisPayload ReadGenesisTerms(LocalNetwork.LocalNetwork network) =>
        (ConsortiumGenesisPayload)TransactionPayloads.Decode(ReadGenesis(LocalNetwork.NetworkLayout.GenesisPath(network.Directory)).Transaction);

    /// <param name="postgres">A PostgreSQL server (Npgsql connection string) for the member's state and vault; null for SQLite files.</param>
    /// <param name="schema">The member's schema on that server; null for careledger_ and the letters and digits of its name.</param>
    /// <param name="snapshot">A member admitted by a vote after the genesis bootstraps from another member's snapshot (ADR 0010).</param>
    public static NodeConfig Join(string dataDirectory, SignedTransaction genesis, string natsUrls, int replicas, string? postgres = null, string? schema = null, ConsortiumSnapshot? snapshot = null)
    {
        try
        {
            return CareLedgerNode.JoinConsortium(NodePaths.For(dataDirectory), genesis, natsUrls, replicas, settings =>
                Cli.NodeCommands.WithStore(settings, postgres is null ? null : NodeConfig.PostgresStoreName, postgres, schema ?? (postgres is null ? null : NodeConfig.DefaultSchema(settings.Consortium!.Member))), snapshot);
        }
        catch (SnapshotRejectedException e)
        {
            throw new CliException($"the snapshot was refused: {e.Message}", exitCode: 2);
        }
        catch (ArgumentException e)
        {
            throw new CliException($"cannot join: {e.Message}");
        }
        catch (TransactionRejectedException e)
        {
            throw new CliException($"the genesis is not valid ({e.Code}): {e.Message}", exitCode: 2);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
    }
}
