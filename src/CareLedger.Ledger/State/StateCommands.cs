using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;
using System.Data;
using System.Data.Common;
using CareLedger.Ledger.State.Storage;

namespace CareLedger.Ledger.State;

/// <summary>
/// The writer's prepared statements: created once, reused for every batch (the sequencer's hot path). Where the
/// driver can pipeline (Npgsql), a batch's writes are queued and sent together, one round trip per applied batch
/// instead of one per row; SQLite runs each in the process as it comes.
/// </summary>
internal sealed class StateCommands : IDisposable
{
    private readonly List<(DbBatchCommand Command, int Rows, Func<Exception> Problem)> rowChecks = [];
    private readonly List<AppliedTransaction> queuedTransactions = [];
    private DbBatch? queue;
    private readonly DbCommand insertTransaction;
    private readonly DbCommand insertKey;
    private readonly DbCommand revokeKey;
    private readonly DbCommand insertRecord;
    private readonly DbCommand insertErased;
    private readonly DbCommand setAppliedCount;
    private readonly DbCommand findTransaction;
    private readonly DbCommand latestVersion;
    private readonly DbCommand isErased;
    private readonly DbCommand putCredential;
    private readonly DbCommand findCredential;
    private readonly DbCommand insertMember;
    private readonly DbCommand setPosition;
    private readonly DbCommand[] writes;
    private readonly StateDatabase database;

    public StateCommands(StateDatabase database)
    {
        this.database = database;
        var connection = database.Writer;
        insertTransaction = Command(connection, "INSERT INTO transactions (id, leaf, type, author, leaf_hash) VALUES (@id, @leaf, @type, @author, @hash)",
            "@id", "@leaf", "@type", "@author", "@hash");
        insertKey = Command(connection, "INSERT INTO keys (id, spki, role, label, registered_leaf, revoked_leaf) VALUES (@id, @spki, @role, @label, @leaf, NULL)",
            "@id", "@spki", "@role", "@label", "@leaf");
        revokeKey = Command(connection, "UPDATE keys SET revoked_leaf = @leaf WHERE id = @id AND revoked_leaf IS NULL", "@leaf", "@id");
        insertRecord = Command(connection, "INSERT INTO records (record_ref, version, patient, operation, commitment, leaf) VALUES (@ref, @version, @patient, @operation, @commitment, @leaf)",
            "@ref", "@version", "@patient", "@operation", "@commitment", "@leaf");
        insertErased = Command(connection, "INSERT INTO erased_patients (patient, leaf) VALUES (@patient, @leaf)", "@patient", "@leaf");
        setAppliedCount = Command(connection, $"UPDATE meta SET value = @count WHERE name = '{StateSchema.MetaAppliedCount}' AND value = @previous", "@count", "@previous");
        findTransaction = Command(connection, "SELECT leaf, leaf_hash FROM transactions WHERE id = @id", "@id");
        latestVersion = Command(connection, "SELECT max(version) FROM records WHERE record_ref = @ref", "@ref");
        isErased = Command(connection, "SELECT 1 FROM erased_patients WHERE patient = @patient", "@patient");
        putCredential = Command(connection, "INSERT INTO credentials (id_hash, status, digest, valid_until, issuer, leaf) VALUES (@id, @status, @digest, @until, @issuer, @leaf) "
            + "ON CONFLICT (id_hash) DO UPDATE SET status = excluded.status, digest = excluded.digest, valid_until = excluded.valid_until, leaf = excluded.leaf",
            "@id", "@status", "@digest", "@until", "@issuer", "@leaf");
        findCredential = Command(connection, CredentialQuery, "@id");
        insertMember = Command(connection, "INSERT INTO members (name, organisation, organisation_key, node_key, cosigner_vkey, from_leaf, until_leaf) "
            + "VALUES (@name, @organisation, @organisationKey, @nodeKey, @cosigner, @leaf, NULL)",
            "@name", "@organisation", "@organisationKey", "@nodeKey", "@cosigner", "@leaf");
        setPosition = Command(connection, "INSERT INTO ordering (id, stream_sequence, message_hash, checkpoint_size, checkpoint_stream_ms) VALUES (1, @sequence, @hash, @size, @ms) "
            + "ON CONFLICT (id) DO UPDATE SET stream_sequence = excluded.stream_sequence, message_hash = excluded.message_hash, "
            + "checkpoint_size = excluded.checkpoint_size, checkpoint_stream_ms = excluded.checkpoint_stream_ms",
            "@sequence", "@hash", "@size", "@ms");
        writes = [insertTransaction, insertKey, revokeKey, insertRecord, insertErased, putCredential, setAppliedCount, insertMember, setPosition];
    }

    /// <summary>Reads a credential row with <see cref="ReadCredential"/>; parameter <c>@id</c> is the id hash.</summary>
    public const string CredentialQuery = "SELECT id_hash, status, digest, valid_until, issuer, leaf FROM credentials WHERE id_hash = @id";

    /// <summary>Binds the write statements to the batch's transaction.</summary>
    public void Begin(DbTransaction transaction)
    {
        foreach (var command in writes)
        {
            command.Transaction = transaction;
        }

        if (database.Writer.CanCreateBatch)
        {
            queue = database.Writer.CreateBatch();
            queue.Transaction = transaction;
        }
    }

    /// <summary>Sends the queued writes and checks the rows they changed; then the transaction may commit.</summary>
    public void End()
    {
        Flush();
        Abandon();
    }

    /// <summary>Forgets the queue (after <see cref="End"/>, or when the transaction rolls back).</summary>
    public void Abandon()
    {
        queue?.Dispose();
        queue = null;
        rowChecks.Clear();
        queuedTransactions.Clear();
    }

    /// <summary>Runs a write now, or queues it while applying on a pipelining driver; <paramref name="unlessOneRow"/>
    /// is thrown if it changes a number of rows other than one.</summary>
    private void Write(DbCommand command, Func<Exception>? unlessOneRow = null)
    {
        if (queue is null)
        {
            if (command.ExecuteNonQuery() != 1 && unlessOneRow is not null)
            {
                throw unlessOneRow();
            }

            return;
        }

        var queued = queue.CreateBatchCommand();
        queued.CommandText = command.CommandText;
        foreach (DbParameter parameter in command.Parameters)
        {
            var copy = queued.CreateParameter();
            copy.ParameterName = parameter.ParameterName;
            copy.DbType = parameter.DbType;
            copy.Value = parameter.Value;
            queued.Parameters.Add(copy);
        }

        queue.BatchCommands.Add(queued);
        if (unlessOneRow is not null)
        {
            rowChecks.Add((queued, 1, unlessOneRow));
        }
    }

    /// <summary>Sends the queued writes in one round trip (before a read that must see them, and at the end).</summary>
    private void Flush()
    {
        if (queue is not null && queuedTransactions.Count > 0)
        {
            // The batch's transaction rows in one statement, ahead of its other writes (no other table refers to them).
            var rows = queue.CreateBatchCommand();
            rows.CommandText = database.InsertTransactionsSql!;
            AddArray(rows, "@ids", queuedTransactions.Select(a => a.Transaction.Id.ToArray()).ToArray());
            AddArray(rows, "@leaves", queuedTransactions.Select(a => a.LeafIndex).ToArray());
            AddArray(rows, "@types", queuedTransactions.Select(a => (long)a.Transaction.Type).ToArray());
            AddArray(rows, "@authors", queuedTransactions.Select(a => a.Transaction.Author.ToArray()).ToArray());
            AddArray(rows, "@hashes", queuedTransactions.Select(a => a.LeafHash).ToArray());
            queue.BatchCommands.Insert(0, rows);
            var expected = queuedTransactions.Count;
            rowChecks.Add((rows, expected, () => new LedgerStateException($"{database.Location}: {expected} transaction rows were to be inserted, but {rows.RecordsAffected} were")));
            queuedTransactions.Clear();
        }

        if (queue is not { BatchCommands.Count: > 0 })
        {
            return;
        }

        queue.ExecuteNonQuery();
        foreach (var (command, rows, problem) in rowChecks)
        {
            if (command.RecordsAffected != rows)
            {
                throw problem();
            }
        }

        queue.BatchCommands.Clear();
        rowChecks.Clear();
    }

    public void InsertTransaction(AppliedTransaction applied)
    {
        if (queue is not null && database.InsertTransactionsSql is not null)
        {
            queuedTransactions.Add(applied);
            return;
        }

        var tx = applied.Transaction;
        var p = insertTransaction.Parameters;
        p[0].Value = tx.Id.ToArray();
        p[1].Value = applied.LeafIndex;
        p[2].Value = (long)tx.Type;
        p[3].Value = tx.Author.ToArray();
        p[4].Value = applied.LeafHash;
        Write(insertTransaction);
    }

    public KeyRecord InsertKey(KeyRegisteredPayload registered, long leaf)
    {
        var id = registered.Key;
        var p = insertKey.Parameters;
        p[0].Value = id.ToArray();
        p[1].Value = registered.PublicKeySpki;
        p[2].Value = registered.Role;
        p[3].Value = registered.Label;
        p[4].Value = leaf;
        Write(insertKey);
        return new KeyRecord(id, registered.PublicKeySpki, registered.Role, registered.Label, leaf, null);
    }

    public void RevokeKey(KeyId id, long leaf)
    {
        revokeKey.Parameters[0].Value = leaf;
        revokeKey.Parameters[1].Value = id.ToArray();
        Write(revokeKey, () => new InvalidOperationException($"leaf {leaf} revokes key {id}, which is not registered or already revoked"));
    }

    public void InsertRecord(RecordCommitment record, long leaf)
    {
        var p = insertRecord.Parameters;
        p[0].Value = record.RecordRef;
        p[1].Value = (long)record.Version;
        p[2].Value = (object?)record.Patient ?? DBNull.Value;
        p[3].Value = (long)record.Operation;
        p[4].Value = record.Commitment;
        p[5].Value = leaf;
        Write(insertRecord);
    }

    public void InsertErased(byte[] patient, long leaf)
    {
        insertErased.Parameters[0].Value = patient;
        insertErased.Parameters[1].Value = leaf;
        Write(insertErased);
    }

    /// <summary>Records the credential's new state (the caller computed it from the status transaction and the previous state).</summary>
    public void PutCredential(CredentialState credential)
    {
        var p = putCredential.Parameters;
        p[0].Value = credential.IdHash;
        p[1].Value = (long)credential.Status;
        p[2].Value = credential.Digest;
        p[3].Value = credential.ValidUntilUnixMs;
        p[4].Value = credential.IssuerKey.ToArray();
        p[5].Value = credential.Leaf;
        Write(putCredential);
    }

    /// <param name="transaction">The batch's transaction while applying (the lookup must see the batch's earlier rows); null otherwise.</param>
    public CredentialState? FindCredential(byte[] idHash, DbTransaction? transaction)
    {
        Flush();
        findCredential.Transaction = transaction;
        findCredential.Parameters[0].Value = idHash;
        using var reader = findCredential.ExecuteReader();
        return reader.Read() ? ReadCredential(reader) : null;
    }

    public static CredentialState ReadCredential(DbDataReader reader) => new(
        (byte[])reader.GetValue(0),
        (CredentialStatusKind)reader.GetInt64(1),
        (byte[])reader.GetValue(2),
        reader.GetInt64(3),
        new KeyId((byte[])reader.GetValue(4)),
        reader.GetInt64(5));

    public void InsertMember(FoundingMember member, long leaf) =>
        InsertMember(new MemberRecord(member.Name, member.OrganisationName, member.OrganisationKey, member.NodeKey, member.CosignerVerifierKey, leaf, null));

    /// <summary>A member row added by governance (a join, or a rotated member's new keys).</summary>
    public void InsertMember(MemberRecord member)
    {
        var p = insertMember.Parameters;
        p[0].Value = member.Name;
        p[1].Value = member.Organisation;
        p[2].Value = member.OrganisationKey.ToArray();
        p[3].Value = member.NodeKey.ToArray();
        p[4].Value = member.CosignerVerifierKey;
        p[5].Value = member.FromLeaf;
        Write(insertMember);
    }

    // Governance writes are rare (a few per network's life): statements made when needed, queued like the others.
    public void EndMember(string name, long fromLeaf, long untilLeaf) =>
        WriteOnce("UPDATE members SET until_leaf = @until WHERE name = @name AND from_leaf = @from AND until_leaf IS NULL",
            () => new InvalidOperationException($"leaf {untilLeaf} ends member '{name}', which is not in force"), ("@until", untilLeaf), ("@name", name), ("@from", fromLeaf));

    public void InsertQuorumChange(long fromLeaf, int quorum) =>
        WriteOnce("INSERT INTO quorum_changes (from_leaf, quorum) VALUES (@leaf, @quorum)", null, ("@leaf", fromLeaf), ("@quorum", (long)quorum));

    public void InsertProposal(TxId id, long leaf, string proposer, byte[] payload) =>
        WriteOnce("INSERT INTO proposals (id, leaf, proposer, payload, closed_leaf, executed, reason) VALUES (@id, @leaf, @proposer, @payload, NULL, NULL, NULL)", null,
            ("@id", id.ToArray()), ("@leaf", leaf), ("@proposer", proposer), ("@payload", payload));

    public void InsertVote(TxId proposal, string member, long leaf, bool approve) =>
        WriteOnce("INSERT INTO votes (proposal, member, leaf, approve) VALUES (@proposal, @member, @leaf, @approve)", null,
            ("@proposal", proposal.ToArray()), ("@member", member), ("@leaf", leaf), ("@approve", approve ? 1L : 0L));

    public void CloseProposal(TxId id, long leaf, bool executed, string? reason) =>
        WriteOnce("UPDATE proposals SET closed_leaf = @leaf, executed = @executed, reason = @reason WHERE id = @id AND closed_leaf IS NULL",
            () => new InvalidOperationException($"leaf {leaf} closes proposal {id}, which is not open"),
            ("@leaf", leaf), ("@executed", executed ? 1L : 0L), ("@reason", (object?)reason ?? ""), ("@id", id.ToArray()));

    private void WriteOnce(string sql, Func<Exception>? unlessOneRow, params (string Name, object Value)[] values)
    {
        using var command = database.Writer.CreateCommand();
        command.CommandText = sql;
        command.Transaction = insertTransaction.Transaction;
        foreach (var (name, value) in values)
        {
            command.Bind(name, value);
        }

        Write(command, unlessOneRow);
    }

    public void SetPosition(OrderingPosition position)
    {
        var p = setPosition.Parameters;
        p[0].Value = checked((long)position.StreamSequence);
        p[1].Value = position.MessageHash;
        p[2].Value = position.CheckpointSize;
        p[3].Value = position.CheckpointStreamMs;
        Write(setPosition);
    }

    /// <summary>Where in the stream the checkpoint of <see cref="OrderingPosition.CheckpointSize"/> leaves was decided (ADR 0005).</summary>
    public void PutCheckpointPosition(OrderingPosition decided) =>
        WriteOnce("INSERT INTO checkpoint_positions (checkpoint_size, stream_sequence, message_hash, checkpoint_stream_ms) VALUES (@size, @sequence, @hash, @ms) "
            + "ON CONFLICT (checkpoint_size) DO UPDATE SET stream_sequence = excluded.stream_sequence, message_hash = excluded.message_hash, checkpoint_stream_ms = excluded.checkpoint_stream_ms",
            null, ("@size", decided.CheckpointSize), ("@sequence", checked((long)decided.StreamSequence)), ("@hash", decided.MessageHash), ("@ms", decided.CheckpointStreamMs));

    /// <summary>Positions of checkpoints smaller than <paramref name="size"/>: the member cosigned <paramref name="size"/>, it never rolls back below it.</summary>
    public void ForgetCheckpointPositionsBelow(long size) =>
        WriteOnce("DELETE FROM checkpoint_positions WHERE checkpoint_size < @size", null, ("@size", size));

    /// <summary>
    /// Moves the applied count from <paramref name="previous"/> to <paramref name="count"/>. The row must still say
    /// <paramref name="previous"/>: a state that lost commits or that another writer moved is never built upon.
    /// </summary>
    public void SetAppliedCount(long previous, long count)
    {
        setAppliedCount.Parameters[0].Value = database.MetaValue(count);
        setAppliedCount.Parameters[1].Value = database.MetaValue(previous);
        Write(setAppliedCount, () => new LedgerStateException($"{database.Location}: applied_count is no longer {previous}; the state changed under this node (restart it to replay the log)"));
    }

    public (long LeafIndex, byte[] LeafHash)? FindTransaction(TxId id)
    {
        findTransaction.Parameters[0].Value = id.ToArray();
        using var reader = findTransaction.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
    }

    /// <summary>Which of <paramref name="ids"/> are applied, in one query; null if the database looks ids up one by one.</summary>
    public Dictionary<TxId, (long LeafIndex, byte[] LeafHash)>? FindTransactions(IReadOnlyCollection<TxId> ids)
    {
        if (database.FindTransactionsSql is not { } sql || ids.Count == 0)
        {
            return null;
        }

        using var command = database.Writer.CreateCommand();
        command.CommandText = sql;
        command.Bind("@ids", ids.Select(id => id.ToArray()).ToArray());
        using var reader = command.ExecuteReader();
        var found = new Dictionary<TxId, (long, byte[])>();
        while (reader.Read())
        {
            found[TxId.FromBytes((byte[])reader.GetValue(0))] = (reader.GetInt64(1), (byte[])reader.GetValue(2));
        }

        return found;
    }

    public uint LatestVersion(byte[] recordRef)
    {
        latestVersion.Parameters[0].Value = recordRef;
        return latestVersion.ExecuteScalar() is long version ? (uint)version : 0;
    }

    public bool IsErased(byte[] patient)
    {
        isErased.Parameters[0].Value = patient;
        return isErased.ExecuteScalar() is not null;
    }

    public void Dispose()
    {
        Abandon();
        foreach (var command in new[] { insertTransaction, insertKey, revokeKey, insertRecord, insertErased, putCredential, setAppliedCount, insertMember, setPosition, findTransaction, latestVersion, isErased, findCredential })
        {
            command.Dispose();
        }
    }

    private static void AddArray(DbBatchCommand command, string name, Array values)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = values;
        command.Parameters.Add(parameter);
    }

    private static DbCommand Command(DbConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            // The only nullable parameter is a record's patient: typed, so that PostgreSQL binds a bytea NULL.
            command.Declare(name, name == "@patient" ? DbType.Binary : null);
        }

        return command;
    }
}
