using CareLedger.Ledger.Log;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using CareLedger.Storage;

namespace CareLedger.Ledger.Engine;

public sealed partial class LedgerEngine
{
    private const int ReplayBatch = 4096;

    /// <summary>
    /// Creates a node's ledger in an empty data directory: its four keys, then the genesis transaction (signed by
    /// the organisation key, registering it and the node key, naming the checkpoint keys), then a first checkpoint.
    /// </summary>
    public static async Task<LedgerEngine> InitializeAsync(LedgerOptions o, string origin, string organisationName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        if (GenesisPayload.OriginProblem(origin) is { } problem)
        {
            throw new ArgumentException($"invalid origin '{origin}': {problem}", nameof(origin));
        }

        if (GenesisPayload.OrganisationNameProblem(organisationName) is { } nameProblem)
        {
            throw new ArgumentException($"invalid organisation name: {nameProblem}", nameof(organisationName));
        }
        foreach (var existing in new[] { LedgerLayout.Log(o.DataDirectory), LedgerLayout.Merkle(o.DataDirectory), LedgerLayout.State(o.DataDirectory), LedgerLayout.Keys(o.DataDirectory) })
        {
            if (Path.Exists(existing))
            {
                throw new InvalidOperationException($"'{o.DataDirectory}' already holds a ledger ({existing} exists); refusing to initialise over it");
            }
        }

        Directory.CreateDirectory(o.DataDirectory);
        var keys = NodeKeys.Create(o.DataDirectory, origin, organisationName);
        var engine = await Task.Run(() => Open(o, keys, expectGenesis: false), ct);
        try
        {
            var genesis = new GenesisPayload(
                origin,
                organisationName,
                [
                    new KeyRegisteredPayload(keys.Organisation.PublicKeySpki, KeyRoles.Organisation, organisationName),
                    new KeyRegisteredPayload(keys.Node.PublicKeySpki, KeyRoles.Node, origin + " node"),
                ],
                keys.Log.VerifierKey.ToVkey(),
                keys.Cosigner.VerifierKey.ToVkey());
            var signed = SignedTransaction.Sign(Transaction.Create(genesis, keys.Organisation.Id, o.Time), keys.Organisation);
            await engine.SubmitAsync(signed, ct);
            engine.RequestCheckpoint();
            await engine.WaitForCheckpointAsync(0, ct);
            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Makes an empty data directory, whose keys were created with <see cref="NodeKeys.Create"/>, a member of the
    /// consortium network that <paramref name="genesis"/> founds: the genesis is judged by the rules (every
    /// founder's approval) and becomes leaf 0 of the member's log, as it does at every other member. The node is
    /// then opened with <see cref="OpenAsync"/> and <see cref="LedgerOptions.Consortium"/>. Returns the member's name.
    /// </summary>
    /// <param name="postgres">The PostgreSQL schema that keeps the member's state (null: DATA/state.db).</param>
    public static string JoinConsortium(string dataDirectory, SignedTransaction genesis, PostgresStore? postgres = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(genesis);
        using var keys = NodeKeys.Load(dataDirectory);
        if (TransactionPayloads.Decode(genesis.Transaction) is not ConsortiumGenesisPayload network)
        {
            throw new ArgumentException($"the genesis is a {genesis.Transaction.Type} transaction, not a consortium genesis", nameof(genesis));
        }

        var member = network.Members.FirstOrDefault(m => m.CosignerVerifierKey == keys.Cosigner.VerifierKey.ToVkey())
            ?? throw new ArgumentException($"this node's cosigner key ({keys.Cosigner.VerifierKey.ToVkey()}) is not the key of a member of network '{network.Network}'", nameof(genesis));
        if (member.OrganisationKey != keys.Organisation.Id || member.NodeKey != keys.Node.Id)
        {
            throw new ArgumentException($"the genesis gives member '{member.Name}' other organisation or node keys than this node's", nameof(genesis));
        }

        foreach (var existing in new[] { LedgerLayout.Log(dataDirectory), LedgerLayout.Merkle(dataDirectory), LedgerLayout.State(dataDirectory) })
        {
            if (Path.Exists(existing))
            {
                throw new InvalidOperationException($"'{dataDirectory}' already holds a ledger ({existing} exists); refusing to join over it");
            }
        }

        using var log = FileLog.Open(new FileLogOptions(LedgerLayout.Log(dataDirectory)), out _);
        using var tree = MerkleTree.Open(LedgerLayout.Merkle(dataDirectory));
        using var state = LedgerState.Open(dataDirectory, postgres);
        if (state.AppliedCount > 0)
        {
            throw new InvalidOperationException($"the state ({state.Location}) already holds a ledger; refusing to join over it");
        }

        var rules = new TransactionRules(state);
        var leafHash = Rfc9162.HashLeaf(genesis.Encoded.Span);
        var signer = rules.AuthorPublicKey(genesis.Transaction, network);
        if (signer is null || !genesis.VerifySignatureOfKnownAuthor(signer))
        {
            throw new TransactionRejectedException(RejectionCodes.BadSignature, "the genesis is not signed by the organisation key of one of its founders");
        }

        var verdict = rules.Check(genesis, network, leafHash, 0);
        if (verdict.Outcome != RuleOutcome.Accepted)
        {
            throw new TransactionRejectedException(verdict.Code!, verdict.Message!);
        }

        log.Append(genesis.Encoded.Span);
        log.Flush();
        state.Apply([new AppliedTransaction(0, genesis, network, leafHash)], OrderingPosition.AfterGenesis);
        tree.Append(leafHash);
        tree.Flush();
        return member.Name;
    }

    /// <summary>
    /// Opens a node's ledger and recovers it: a torn log tail is cut (corruption throws
    /// <see cref="LogCorruptedException"/>), the tree and the state are brought up to the log by replaying only
    /// the suffix they lack, and the latest checkpoint is checked against the tree before anything is served.
    /// </summary>
    public static Task<LedgerEngine> OpenAsync(LedgerOptions o, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Validate();
        return Task.Run(() => Open(o, NodeKeys.Load(o.DataDirectory), expectGenesis: true), ct);
    }

    private static LedgerEngine Open(LedgerOptions o, NodeKeys keys, bool expectGenesis)
    {
        var data = o.DataDirectory;
        FileLog? log = null;
        MerkleTree? tree = null;
        LedgerState? state = null;
        CheckpointStore? checkpoints = null;
        try
        {
            log = FileLog.Open(new FileLogOptions(LedgerLayout.Log(data)), out _);
            if (expectGenesis && log.Count == 0)
            {
                throw new LedgerStateException($"the log in '{LedgerLayout.Log(data)}' is empty: the node was never initialised completely (no genesis)");
            }

            tree = MerkleTree.Open(LedgerLayout.Merkle(data));
            CatchUpTree(log, tree);
            state = LedgerState.Open(data, o.Postgres);
            if (state.Consortium is null)
            {
                CatchUpState(log, tree, state);
            }
            else if (state.AppliedCount > log.Count)
            {
                throw new LedgerStateException($"the state ({state.Location}) has applied {state.AppliedCount} transactions but the log holds only {log.Count}: the state is not a replay of this log");
            }

            // A consortium member does not replay a log suffix into its state: the sequencer re-derives it from the
            // stream and checks it entry by entry against the log (ADR 0005).
            var origin = state.Consortium?.Origin ?? keys.Origin;
            if (state.Consortium is null && state.Origin is { } logOrigin && logOrigin != keys.Origin)
            {
                throw new LedgerStateException($"the log's genesis names origin '{logOrigin}' but the node's log key is '{keys.Origin}'");
            }

            checkpoints = CheckpointStore.Open(LedgerLayout.Checkpoints(data));
            var latest = checkpoints.Latest();
            if (latest is not null)
            {
                CheckLatestCheckpoint(latest, tree, origin);
            }

            return new LedgerEngine(o, keys, log, tree, state, checkpoints, latest);
        }
        catch
        {
            checkpoints?.Dispose();
            state?.Dispose();
            tree?.Dispose();
            log?.Dispose();
            keys.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The tree is flushed after the log, so it can only lag behind it — or be ahead when a torn log tail was cut.
    /// </summary>
    private static void CatchUpTree(FileLog log, MerkleTree tree)
    {
        if (tree.Size > log.Count)
        {
            tree.TruncateTo(log.Count);
        }

        if (tree.Size < log.Count)
        {
            Span<byte> leafHash = stackalloc byte[Rfc9162.HashSize];
            foreach (var entry in log.ReadFrom(tree.Size))
            {
                Rfc9162.HashLeaf(entry.Payload.Span, leafHash);
                tree.Append(leafHash);
            }

            tree.Flush();
        }
    }

    /// <summary>Replays the log entries that the state has not applied (none after a clean shutdown).</summary>
    private static void CatchUpState(FileLog log, MerkleTree tree, LedgerState state)
    {
        if (state.AppliedCount > log.Count)
        {
            throw new LedgerStateException(
                $"the state ({state.Location}) has applied {state.AppliedCount} transactions but the log holds only {log.Count}: the state is not a replay of this log " +
                "(was the log replaced or truncated?); move it away (state.db, or the schema's tables) to rebuild it from the log");
        }

        var batch = new List<AppliedTransaction>(ReplayBatch);
        foreach (var entry in log.ReadFrom(state.AppliedCount))
        {
            batch.Add(Decode(entry, tree.LeafHash(entry.Index)));
            if (batch.Count == ReplayBatch)
            {
                state.Apply(batch);
                batch.Clear();
            }
        }

        state.Apply(batch);
    }

    private static AppliedTransaction Decode(LogEntry entry, byte[] leafHash)
    {
        try
        {
            var signed = SignedTransaction.Decode(entry.Payload);
            return new AppliedTransaction(entry.Index, signed, TransactionPayloads.Decode(signed.Transaction), leafHash);
        }
        catch (InvalidTransactionException e)
        {
            throw new LedgerStateException($"log entry {entry.Index} is not a valid transaction ({e.Code}: {e.Message}); run 'careledger verify'", e);
        }
    }

    private static void CheckLatestCheckpoint(SignedCheckpoint latest, MerkleTree tree, string origin)
    {
        if (latest.Size > tree.Size)
        {
            throw new LedgerStateException(
                $"the latest checkpoint covers {latest.Size} transactions but the log holds only {tree.Size}: acknowledged transactions are missing from the log");
        }

        if (latest.Body.Origin != origin || !latest.Body.RootHash.AsSpan().SequenceEqual(tree.RootHash(latest.Size)))
        {
            throw new LedgerStateException(
                $"the latest checkpoint (size {latest.Size}) does not match the log: its origin or root differs from the tree rebuilt from the log; run 'careledger verify'");
        }
    }
}
