using System.Collections.Concurrent;
using System.Data.Common;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.State.Storage;
using CareLedger.Ledger.Transactions;
using CareLedger.Storage;

namespace CareLedger.Ledger.State;

/// <summary>
/// The ledger state: applied transaction ids, author keys, record commitments, erasure tombstones and credential
/// statuses, in SQLite (DATA/state.db) or in the node's PostgreSQL schema (docs/adr/0006). It is always the replay of
/// a prefix of the log: each batch is applied in one database transaction together with <see cref="AppliedCount"/>.
/// One writer (the engine's sequencer) applies and looks up; the public queries open their own pooled reader sessions
/// and may run on any thread.
/// </summary>
public sealed class LedgerState : ILedgerState, IDisposable
{
    public const string FileName = "state.db";

    private readonly StateDatabase database;
    private readonly StateCommands commands;
    private readonly ConcurrentDictionary<KeyId, KeyRecord> keys;
    private long appliedCount;
    private long keysAndCredentialsVersion;
    private string? origin;
    private ConsortiumTerms? consortium;
    private ConsortiumGovernance? governance;
    private OrderingPosition? position;
    private bool disposed;

    private LedgerState(StateDatabase database, long appliedCount, string? origin, ConcurrentDictionary<KeyId, KeyRecord> keys)
    {
        this.database = database;
        this.appliedCount = appliedCount;
        this.origin = origin;
        this.keys = keys;
        consortium = LoadConsortium(database.Writer, origin);
        governance = consortium is null ? null : LoadGovernance(database.Writer, consortium);
        position = LoadPosition(database.Writer);
        commands = new StateCommands(database);
    }

    public ConsortiumTerms? Consortium => Volatile.Read(ref consortium);

    public IReadOnlyList<MemberRecord> MembersAt(long treeSize) => Volatile.Read(ref governance)?.MembersAt(treeSize) ?? [];

    public int QuorumAt(long treeSize) => Volatile.Read(ref governance)?.QuorumAt(treeSize) ?? 1;

    public GovernanceView? Governance => Volatile.Read(ref governance) is { } current ? GovernanceView.Of(current) : null;

    /// <summary>The consortium's governance as applied (sequencer thread: the rules clone it to judge a batch). Never mutated once published.</summary>
    internal ConsortiumGovernance? AppliedGovernance => Volatile.Read(ref governance);

    /// <summary>Where this member stands in its consortium's stream (null for a single node, or before its first message).</summary>
    public OrderingPosition? Position => Volatile.Read(ref position);

    public long AppliedCount => Volatile.Read(ref appliedCount);

    public long KeysAndCredentialsVersion => Volatile.Read(ref keysAndCredentialsVersion);

    /// <summary>The log's origin, known once genesis is applied.</summary>
    public string? Origin => Volatile.Read(ref origin);

    /// <summary>Every registered key, revoked or not.</summary>
    public IReadOnlyCollection<KeyRecord> Keys => [.. keys.Values];

    /// <summary>Names the store in messages: the SQLite file, or the PostgreSQL server and schema.</summary>
    public string Location => database.Location;

    /// <summary>Opens or creates the state database (a SQLite file) at <paramref name="path"/>.</summary>
    /// <exception cref="LedgerStateException">the file is not a state database of a known format.</exception>
    public static LedgerState Open(string path) => Open(SqliteStateDatabase.Open(path));

    /// <summary>Opens or creates the state in the node's schema on a PostgreSQL server.</summary>
    /// <exception cref="StoreUnavailableException">the server cannot be reached or refuses the node, or another process has this state open.</exception>
    /// <exception cref="LedgerStateException">the schema holds a state of an unknown format.</exception>
    public static LedgerState Open(PostgresStore store) => Open(PostgresStateDatabase.Open(store));

    /// <summary>Where <paramref name="postgres"/> says, else the SQLite file in the data directory.</summary>
    internal static LedgerState Open(string dataDirectory, PostgresStore? postgres) =>
        postgres is null ? Open(Path.Combine(dataDirectory, FileName)) : Open(postgres);

    private static LedgerState Open(StateDatabase database)
    {
        var writer = database.Writer;
        try
        {
            using (var transaction = writer.BeginTransaction())
            {
                Execute(writer, database.CreateTables, transaction);
                var format = ReadMeta(writer, StateSchema.MetaFormat, transaction);
                if (format is null)
                {
                    WriteMeta(database, StateSchema.MetaFormat, StateSchema.FormatVersion, transaction);
                    WriteMeta(database, StateSchema.MetaAppliedCount, 0L, transaction);
                }
                else if (StateSchema.UpgradesByEmptyTables(StateDatabase.MetaNumber(format)))
                {
                    if (StateSchema.KeysMembersByNameOnly(StateDatabase.MetaNumber(format)))
                    {
                        Execute(writer, StateSchema.SetMembersAside, transaction);
                        Execute(writer, database.CreateTables, transaction);
                        Execute(writer, StateSchema.RestoreMembers, transaction);
                    }

                    WriteMeta(database, StateSchema.MetaFormat, StateSchema.FormatVersion, transaction);
                }
                else if (StateDatabase.MetaNumber(format) != StateSchema.FormatVersion)
                {
                    throw new LedgerStateException($"{database.Location} has state format {format}; this node reads format {StateSchema.FormatVersion}");
                }

                transaction.Commit();
            }

            var applied = StateDatabase.MetaNumber(ReadMeta(writer, StateSchema.MetaAppliedCount, null))
                ?? throw new LedgerStateException($"{database.Location} has no applied_count");
            var origin = ReadMeta(writer, StateSchema.MetaOrigin, null) as string;
            return new LedgerState(database, applied, origin, LoadKeys(writer));
        }
        catch (DbException e)
        {
            database.Dispose();
            throw new LedgerStateException($"{database.Location} is not a usable state database: {e.Message}", e);
        }
        catch
        {
            database.Dispose();
            throw;
        }
    }

    public KeyRecord? FindKey(KeyId id) => keys.TryGetValue(id, out var key) ? key : null;

    public CredentialState? FindCredential(ReadOnlySpan<byte> idHash)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = StateCommands.CredentialQuery;
        command.Bind("@id", idHash.ToArray());
        using var reader = command.ExecuteReader();
        return reader.Read() ? StateCommands.ReadCredential(reader) : null;
    }

    public bool TryGetLeafIndex(TxId id, out long leafIndex)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT leaf FROM transactions WHERE id = @id";
        command.Bind("@id", id.ToArray());
        var leaf = command.ExecuteScalar();
        leafIndex = leaf is long value ? value : -1;
        return leaf is long;
    }

    public bool IsPatientErased(ReadOnlySpan<byte> patient)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM erased_patients WHERE patient = @patient";
        command.Bind("@patient", patient.ToArray());
        return command.ExecuteScalar() is not null;
    }

    public long LiveRecordVersionCount(KeyId author)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM records r JOIN transactions t ON t.leaf = r.leaf "
            + "WHERE t.author = @author AND (r.patient IS NULL OR r.patient NOT IN (SELECT patient FROM erased_patients))";
        command.Bind("@author", author.ToArray());
        return (long)command.ExecuteScalar()!;
    }

    public IReadOnlyList<(long LeafIndex, RecordCommitment Record)> RecordHistory(ReadOnlySpan<byte> recordRef)
    {
        var reference = recordRef.ToArray();
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, patient, operation, commitment, leaf FROM records WHERE record_ref = @ref ORDER BY version";
        command.Bind("@ref", reference);
        using var reader = command.ExecuteReader();
        var history = new List<(long, RecordCommitment)>();
        while (reader.Read())
        {
            var record = new RecordCommitment(
                reference,
                reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1),
                (uint)reader.GetInt64(0),
                (RecordOperation)reader.GetInt64(2),
                (byte[])reader.GetValue(3));
            history.Add((reader.GetInt64(4), record));
        }

        return history;
    }

    /// <summary>
    /// The applied count and the stream position saved with it, read together in one statement (so from one committed
    /// state transaction, on either engine): the exact prefix a snapshot may be cut at. Null before the first message.
    /// </summary>
    public (long AppliedCount, OrderingPosition Position)? AppliedPosition()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT m.value, o.stream_sequence, o.message_hash, o.checkpoint_size, o.checkpoint_stream_ms FROM meta m, ordering o "
            + $"WHERE m.name = '{StateSchema.MetaAppliedCount}' AND o.id = 1";
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? (StateDatabase.MetaNumber(reader.GetValue(0))!.Value, new OrderingPosition((ulong)reader.GetInt64(1), (byte[])reader.GetValue(2), reader.GetInt64(3), reader.GetInt64(4)))
            : null;
    }

    /// <summary>The earlier leaf and leaf hash of a transaction id (sequencer thread only).</summary>
    internal (long LeafIndex, byte[] LeafHash)? FindTransaction(TxId id) => commands.FindTransaction(id);

    /// <summary>Which of <paramref name="ids"/> are applied, in one query, or null where the state looks ids up one by one (sequencer thread only).</summary>
    internal Dictionary<TxId, (long LeafIndex, byte[] LeafHash)>? FindTransactions(IReadOnlyCollection<TxId> ids) => commands.FindTransactions(ids);

    /// <summary>The latest committed version of a record, 0 when none (sequencer thread only).</summary>
    internal uint LatestVersion(byte[] recordRef) => commands.LatestVersion(recordRef);

    /// <summary>Whether a patient is erased, on the writer's connection (sequencer thread only).</summary>
    internal bool IsErased(byte[] patient) => commands.IsErased(patient);

    /// <summary>A credential's applied state, on the writer's connection (sequencer thread only).</summary>
    internal CredentialState? FindCredentialForRules(byte[] idHash) => commands.FindCredential(idHash, null);

    /// <summary>
    /// Applies the transactions at leaves <see cref="AppliedCount"/>, +1, ... in one database transaction that also
    /// advances <see cref="AppliedCount"/> and, for a consortium member, saves <paramref name="newPosition"/>; either
    /// all of it is applied or none. Rules are not checked here: only validated transactions reach the log.
    /// <paramref name="decided"/> are the stream positions after which the batch's messages made checkpoints due
    /// (each with its size as <see cref="OrderingPosition.CheckpointSize"/>), kept for a rollback (ADR 0005); positions
    /// of sizes below <paramref name="keepFrom"/> (this member's latest cosigned size: it never rolls back below it) go.
    /// </summary>
    internal void Apply(IReadOnlyList<AppliedTransaction> batch, OrderingPosition? newPosition = null, IReadOnlyList<OrderingPosition>? decided = null, long keepFrom = 0)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (batch.Count == 0 && newPosition is null)
        {
            return;
        }

        var next = AppliedCount;
        foreach (var applied in batch)
        {
            if (applied.LeafIndex != next++)
            {
                throw new InvalidOperationException($"state applies leaf {applied.LeafIndex} but expected leaf {next - 1}");
            }
        }

        var keyChanges = new List<KeyRecord>();
        var credentialChanged = false;
        string? newOrigin = null;
        ConsortiumGenesisPayload? founded = null;
        ConsortiumGovernance? governed = null;
        using (var transaction = database.Writer.BeginTransaction())
        {
            using var abandon = new QueueAbandon(commands);
            commands.Begin(transaction);
            foreach (var applied in batch)
            {
                commands.InsertTransaction(applied);
                switch (applied.Payload)
                {
                    case ConsortiumGenesisPayload network:
                        newOrigin = network.Origin;
                        founded = network;
                        governed = ConsortiumGovernance.Founded(network);
                        WriteMeta(database, StateSchema.MetaOrigin, network.Origin, transaction);
                        WriteMeta(database, StateSchema.MetaNetwork, network.Network, transaction);
                        WriteMeta(database, StateSchema.MetaQuorum, (long)network.Quorum, transaction);
                        WriteMeta(database, StateSchema.MetaCheckpointEvery, (long)network.CheckpointEvery, transaction);
                        WriteMeta(database, StateSchema.MetaCheckpointIntervalMs, (long)network.CheckpointIntervalMs, transaction);
                        foreach (var member in network.Members)
                        {
                            keyChanges.Add(commands.InsertKey(new KeyRegisteredPayload(member.OrganisationKeySpki, KeyRoles.Organisation, member.OrganisationName), applied.LeafIndex));
                            keyChanges.Add(commands.InsertKey(new KeyRegisteredPayload(member.NodeKeySpki, KeyRoles.Node, member.NodeKeyLabel), applied.LeafIndex));
                            commands.InsertMember(member, applied.LeafIndex);
                        }

                        break;
                    case GenesisPayload genesis:
                        newOrigin = genesis.Origin;
                        WriteMeta(database, StateSchema.MetaOrigin, genesis.Origin, transaction);
                        foreach (var key in genesis.Keys)
                        {
                            keyChanges.Add(commands.InsertKey(key, applied.LeafIndex));
                        }

                        break;
                    case KeyRegisteredPayload registered:
                        keyChanges.Add(commands.InsertKey(registered, applied.LeafIndex));
                        break;
                    case KeyRevokedPayload revoked:
                        commands.RevokeKey(revoked.Key, applied.LeafIndex);
                        var current = keyChanges.LastOrDefault(k => k.Id == revoked.Key) ?? FindKey(revoked.Key)
                            ?? throw new InvalidOperationException($"leaf {applied.LeafIndex} revokes key {revoked.Key}, which is not registered");
                        keyChanges.Add(current with { RevokedLeaf = applied.LeafIndex });
                        break;
                    case RecordsCommittedPayload committed:
                        foreach (var record in committed.Records)
                        {
                            commands.InsertRecord(record, applied.LeafIndex);
                        }

                        break;
                    case PatientErasedPayload erased:
                        commands.InsertErased(erased.Patient, applied.LeafIndex);
                        break;
                    case AnchorPayload:
                        break;
                    case ConsortiumProposalPayload or ConsortiumVotePayload:
                        governed ??= (Volatile.Read(ref governance) ?? throw new InvalidOperationException($"leaf {applied.LeafIndex} is a governance transaction in a log that is not a consortium's")).Clone();
                        ApplyGovernance(governed, applied, keyChanges);
                        break;
                    case CredentialStatusPayload status:
                        var before = status.Status == CredentialStatusKind.Issued ? null : commands.FindCredential(status.CredentialIdHash, transaction);
                        commands.PutCredential(CredentialTransitions.Next(before, status, applied.Transaction.Author, applied.LeafIndex));
                        credentialChanged = true;
                        break;
                    default:
                        throw new InvalidOperationException($"no state change is defined for {applied.Payload.GetType().Name}");
                }
            }

            if (batch.Count > 0)
            {
                commands.SetAppliedCount(AppliedCount, next);
            }

            if (newPosition is not null)
            {
                commands.SetPosition(newPosition);
            }

            if (decided is { Count: > 0 })
            {
                foreach (var checkpoint in decided)
                {
                    commands.PutCheckpointPosition(checkpoint);
                }

                commands.ForgetCheckpointPositionsBelow(keepFrom);
            }

            commands.End();
            transaction.Commit();
        }

        if (founded is not null)
        {
            Volatile.Write(ref consortium, new ConsortiumTerms(founded.Origin, founded.Network, founded.Quorum, founded.CheckpointEvery, founded.CheckpointIntervalMs));
        }

        if (governed is not null)
        {
            Volatile.Write(ref governance, governed);
        }

        if (newPosition is not null)
        {
            Volatile.Write(ref position, newPosition);
        }

        foreach (var key in keyChanges)
        {
            keys[key.Id] = key;
        }

        if (keyChanges.Count > 0 || credentialChanged)
        {
            // After the keys and the committed credential rows are visible (KeysAndCredentialsVersion's contract).
            Interlocked.Increment(ref keysAndCredentialsVersion);
        }

        if (newOrigin is not null)
        {
            Volatile.Write(ref origin, newOrigin);
        }

        Volatile.Write(ref appliedCount, next);
    }

    /// <summary>
    /// The stream positions after which checkpoints of <paramref name="minimumSize"/> leaves or more were decided,
    /// smallest size first (sequencer thread only): where a rollback may return to.
    /// </summary>
    internal IReadOnlyList<OrderingPosition> CheckpointPositions(long minimumSize)
    {
        using var command = database.Writer.CreateCommand();
        command.CommandText = "SELECT stream_sequence, message_hash, checkpoint_size, checkpoint_stream_ms FROM checkpoint_positions WHERE checkpoint_size >= @size ORDER BY checkpoint_size";
        command.Bind("@size", minimumSize);
        using var reader = command.ExecuteReader();
        var positions = new List<OrderingPosition>();
        while (reader.Read())
        {
            positions.Add(new OrderingPosition((ulong)reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetInt64(2), reader.GetInt64(3)));
        }

        return positions;
    }

    /// <summary>
    /// Rolls the state back to the replay of leaves 0 .. <paramref name="count"/> − 1 standing at stream
    /// <paramref name="position"/>, in one database transaction (ADR 0005: a consortium member's suffix that the stream
    /// replaced and that it never cosigned). Rows the dropped leaves wrote are deleted, the "closed at leaf" columns
    /// they set are cleared, and a credential they changed is recomputed from its status transactions before
    /// <paramref name="count"/>, read with <paramref name="readLeaf"/>. Sequencer thread only.
    /// </summary>
    internal void RollBack(long count, OrderingPosition position, Func<long, SignedTransaction> readLeaf)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var previous = AppliedCount;
        if (count < 1 || count > previous)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"the state holds {previous} leaves; it rolls back to 1..{previous}");
        }

        var writer = database.Writer;
        using (var transaction = writer.BeginTransaction())
        {
            var credentials = RecomputedCredentials(writer, transaction, count, readLeaf);
            foreach (var sql in StateSchema.RollBackStatements)
            {
                using var command = writer.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                command.Bind("@count", count);
                command.ExecuteNonQuery();
            }

            commands.Begin(transaction);
            try
            {
                foreach (var credential in credentials)
                {
                    commands.PutCredential(credential);
                }

                commands.SetAppliedCount(previous, count);
                commands.SetPosition(position);
                commands.End();
            }
            catch
            {
                commands.Abandon();
                throw;
            }

            transaction.Commit();
        }

        var reloaded = LoadKeys(writer);
        foreach (var id in keys.Keys.Where(id => !reloaded.ContainsKey(id)))
        {
            keys.TryRemove(id, out _);
        }

        foreach (var (id, key) in reloaded)
        {
            keys[id] = key;
        }

        if (Consortium is { } terms)
        {
            Volatile.Write(ref governance, LoadGovernance(writer, terms));
        }

        // A rollback may unregister keys and recompute credentials: whatever it changed, the version moves.
        Interlocked.Increment(ref keysAndCredentialsVersion);
        Volatile.Write(ref this.position, position);
        Volatile.Write(ref appliedCount, count);
    }

    /// <summary>The credentials that leaves at and beyond <paramref name="count"/> changed, as the earlier leaves left them (none: deleted).</summary>
    private static List<CredentialState> RecomputedCredentials(DbConnection writer, DbTransaction transaction, long count, Func<long, SignedTransaction> readLeaf)
    {
        var changed = new HashSet<byte[]>(ByteArrayComparer.Instance);
        using (var command = writer.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT id_hash FROM credentials WHERE leaf >= @count";
            command.Bind("@count", count);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                changed.Add((byte[])reader.GetValue(0));
            }
        }

        if (changed.Count == 0)
        {
            return [];
        }

        var leaves = new List<long>();
        using (var command = writer.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT leaf FROM transactions WHERE type = @type AND leaf < @count ORDER BY leaf";
            command.Bind("@type", (long)TxType.CredentialStatus);
            command.Bind("@count", count);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                leaves.Add(reader.GetInt64(0));
            }
        }

        var states = new Dictionary<byte[], CredentialState>(ByteArrayComparer.Instance);
        foreach (var leaf in leaves)
        {
            var signed = readLeaf(leaf);
            if (TransactionPayloads.Decode(signed.Transaction) is CredentialStatusPayload status && changed.Contains(status.CredentialIdHash))
            {
                // As Apply does: an issuance starts afresh, any other status follows the credential's state.
                var before = status.Status == CredentialStatusKind.Issued ? null : states.GetValueOrDefault(status.CredentialIdHash);
                states[status.CredentialIdHash] = CredentialTransitions.Next(before, status, signed.Transaction.Author, leaf);
            }
        }

        return [.. states.Values];
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        commands.Dispose();
        database.Dispose();
    }

    /// <summary>
    /// A proposal or vote: its row, and when it closes the proposal, the proposal's outcome and, if executed, the member
    /// rows, quorum and keys it changes (ADR 0008) — computed by the same <see cref="ConsortiumGovernance"/> that the
    /// rules judged it with, so every member writes the same rows.
    /// </summary>
    private void ApplyGovernance(ConsortiumGovernance governed, AppliedTransaction applied, List<KeyRecord> keyChanges)
    {
        var tx = applied.Transaction;
        var leaf = applied.LeafIndex;
        KeyRecord? Find(KeyId id) => keyChanges.LastOrDefault(k => k.Id == id) ?? FindKey(id);
        var voter = governed.MembersAt(leaf).First(m => m.OrganisationKey == tx.Author).Name;
        if (applied.Payload is ConsortiumProposalPayload proposal)
        {
            commands.InsertProposal(tx.Id, leaf, voter, proposal.Encode());
        }
        else
        {
            var vote = (ConsortiumVotePayload)applied.Payload;
            commands.InsertVote(vote.Proposal, voter, leaf, vote.Approve);
        }

        if (governed.Apply(tx.Id, tx.Author, applied.Payload, leaf, id => Find(id) is not null) is not { } execution)
        {
            return;
        }

        commands.CloseProposal(execution.Proposal.Id, leaf, execution.Executed, execution.Reason);
        if (!execution.Executed)
        {
            return;
        }

        foreach (var ended in execution.Ended ?? [])
        {
            commands.EndMember(ended.Name, ended.FromLeaf, leaf);
        }

        foreach (var added in execution.Added ?? [])
        {
            commands.InsertMember(added);
        }

        if (execution.Proposal.Payload.Action == ProposalAction.Quorum)
        {
            commands.InsertQuorumChange(leaf, execution.Proposal.Payload.Quorum);
        }

        var (register, revoke) = execution.KeyChanges(Find);
        foreach (var id in revoke)
        {
            commands.RevokeKey(id, leaf);
            keyChanges.Add(Find(id)! with { RevokedLeaf = leaf });
        }

        foreach (var key in register)
        {
            keyChanges.Add(commands.InsertKey(key, leaf));
        }
    }

    /// <summary>Forgets writes queued for a batch that failed before it committed.</summary>
    private readonly struct QueueAbandon(StateCommands commands) : IDisposable
    {
        public void Dispose() => commands.Abandon();
    }

    private DbConnection OpenReader()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return database.OpenReader();
    }

    private static ConcurrentDictionary<KeyId, KeyRecord> LoadKeys(DbConnection connection)
    {
        var loaded = new ConcurrentDictionary<KeyId, KeyRecord>();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, spki, role, label, registered_leaf, revoked_leaf FROM keys";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var id = new KeyId((byte[])reader.GetValue(0));
            loaded[id] = new KeyRecord(id, (byte[])reader.GetValue(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5));
        }

        return loaded;
    }

    private static ConsortiumTerms? LoadConsortium(DbConnection connection, string? origin) =>
        origin is not null && ReadMeta(connection, StateSchema.MetaNetwork, null) is string network
            ? new ConsortiumTerms(
                origin,
                network,
                (int)StateDatabase.MetaNumber(ReadMeta(connection, StateSchema.MetaQuorum, null))!.Value,
                (int)StateDatabase.MetaNumber(ReadMeta(connection, StateSchema.MetaCheckpointEvery, null))!.Value,
                (int)StateDatabase.MetaNumber(ReadMeta(connection, StateSchema.MetaCheckpointIntervalMs, null))!.Value)
            : null;

    /// <summary>The governance as the tables hold it: every member row, the genesis quorum and its changes, the open proposals with their votes.</summary>
    private static ConsortiumGovernance LoadGovernance(DbConnection connection, ConsortiumTerms terms)
    {
        var members = new List<MemberRecord>();
        using (var command = connection.CreateCommand())
        {
            // In the order they were added: the governance's own order, so that a reloaded one equals the one applied.
            command.CommandText = "SELECT name, organisation, organisation_key, node_key, cosigner_vkey, from_leaf, until_leaf FROM members ORDER BY from_leaf, name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                members.Add(new MemberRecord(reader.GetString(0), reader.GetString(1), new KeyId((byte[])reader.GetValue(2)), new KeyId((byte[])reader.GetValue(3)),
                    reader.GetString(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6)));
            }
        }

        var quorums = new List<(long, int)> { (0, terms.Quorum) };
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT from_leaf, quorum FROM quorum_changes ORDER BY from_leaf";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                quorums.Add((reader.GetInt64(0), (int)reader.GetInt64(1)));
            }
        }

        var open = new Dictionary<TxId, ConsortiumGovernance.OpenProposal>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, leaf, proposer, payload FROM proposals WHERE closed_leaf IS NULL";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = TxId.FromBytes((byte[])reader.GetValue(0));
                var proposer = reader.GetString(2);
                open[id] = new ConsortiumGovernance.OpenProposal(id, reader.GetInt64(1), ConsortiumProposalPayload.Decode((byte[])reader.GetValue(3)), proposer, [proposer], []);
            }
        }

        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT v.proposal, v.member, v.approve FROM votes v JOIN proposals p ON p.id = v.proposal WHERE p.closed_leaf IS NULL";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var proposal = open[TxId.FromBytes((byte[])reader.GetValue(0))];
                (reader.GetInt64(2) != 0 ? proposal.Approvals : proposal.Rejections).Add(reader.GetString(1));
            }
        }

        return new ConsortiumGovernance(terms.Network, members, quorums, open.Values);
    }

    private static OrderingPosition? LoadPosition(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT stream_sequence, message_hash, checkpoint_size, checkpoint_stream_ms FROM ordering WHERE id = 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? new OrderingPosition((ulong)reader.GetInt64(0), (byte[])reader.GetValue(1), reader.GetInt64(2), reader.GetInt64(3)) : null;
    }

    private static void Execute(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? ReadMeta(DbConnection connection, string name, DbTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT value FROM meta WHERE name = @name";
        command.Bind("@name", name);
        return command.ExecuteScalar();
    }

    private static void WriteMeta(StateDatabase database, string name, object value, DbTransaction transaction)
    {
        using var command = database.Writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO meta (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value";
        command.Bind("@name", name);
        command.Bind("@value", database.MetaValue(value));
        command.ExecuteNonQuery();
    }
}
