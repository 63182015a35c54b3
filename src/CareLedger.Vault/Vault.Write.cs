using System.Security.Cryptography;
using CareLedger.Vault.Records;
using CareLedger.Vault.Search;
using CareLedger.Vault.Storage;

namespace CareLedger.Vault;

public sealed partial class Vault
{
    private const int MaxTxIdBytes = 64;

    /// <summary>Seals one record version as pending (invisible). Without a transaction id, recovery cannot know whether
    /// the ledger committed it and drops it; the node should use the batch form with the id.</summary>
    public StagedRecord Stage(RecordAddress address, string? patientId, ReadOnlySpan<byte> resourceJson,
        IReadOnlyList<IndexEntry> index, bool deleted = false)
    {
        var request = new StageRequest(address, patientId, resourceJson.ToArray(), index) { Deleted = deleted };
        return Stage([request], default)[0];
    }

    /// <summary>
    /// Seals record versions as pending, all in one SQLite transaction (all or none). Each version must be the
    /// resource's latest committed version + 1 (1 for a new resource) and not already in flight, else
    /// <see cref="VersionConflictException"/>. <paramref name="txId"/> (the ledger transaction that will carry the
    /// commitments) lets <see cref="RecoverPending"/> finish the write after a crash; empty if not known yet.
    /// </summary>
    public IReadOnlyList<StagedRecord> Stage(IReadOnlyList<StageRequest> requests, ReadOnlySpan<byte> txId)
    {
        ValidateRequests(requests);
        if (txId.Length > MaxTxIdBytes)
        {
            throw new ArgumentException($"A transaction id is at most {MaxTxIdBytes} bytes.", nameof(txId));
        }

        var tx = txId.IsEmpty ? null : txId.ToArray();
        var indexRows = requests.Select(r => r.PreparedIndex?.Rows ?? RowsOf(r.Index)).ToList();
        var now = _options.Time.GetUtcNow().ToUnixTimeMilliseconds();
        return Write(newCompartments =>
        {
            // One cipher per compartment for the whole stage, keyed once (a new AesGcm per version set up an OpenSSL context
            // and the key schedule each time: ≈ 1.4 µs of a version's ≈ 2.6 µs of sealing on the project's machine).
            var compartments = new Dictionary<string, (CompartmentRow Row, AesGcm Cipher)>(StringComparer.Ordinal);
            var dek = new byte[DataKeyBytes];
            var live = new LiveIndexRows();
            try
            {
                var staged = new List<StagedRecord>(requests.Count);
                for (var i = 0; i < requests.Count; i++)
                {
                    var patientKey = requests[i].PatientId ?? "";
                    if (!compartments.TryGetValue(patientKey, out var compartment))
                    {
                        var row = GetOrCreateCompartment(requests[i].PatientId, newCompartments);
                        CopyDataKey(row, dek);
                        compartment = (row, new AesGcm(dek, SealedRecordFormat.TagBytes));
                        CryptographicOperations.ZeroMemory(dek);
                        compartments[patientKey] = compartment;
                    }

                    staged.Add(StageOne(requests[i], compartment.Row, compartment.Cipher, indexRows[i], tx, now, live));
                }

                InsertLiveIndex(live);
                return staged;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(dek);
                foreach (var (_, cipher) in compartments.Values)
                {
                    cipher.Dispose();
                }
            }
        });
    }

    /// <summary>Makes staged versions visible, in one SQLite transaction (all or none): each becomes its resource's
    /// current version, and its index entries replace the resource's earlier ones. Committing again with the same
    /// transaction id is a no-op; a record abandoned, dropped by recovery or shredded meanwhile throws.</summary>
    /// <param name="ledgerDurable">
    /// The caller has made <paramref name="txId"/> durable on the ledger, so <see cref="RecoverPending"/> would redo
    /// this commit after a crash: when every version was staged under that id, the commit does not wait for its own
    /// fsync (ADR 0016). Otherwise (versions staged without an id, which recovery drops) it is durable as usual.
    /// </param>
    public void Commit(IEnumerable<StagedRecord> records, ReadOnlySpan<byte> txId, bool ledgerDurable = false)
    {
        var list = StagedList(records);
        if (txId.IsEmpty || txId.Length > MaxTxIdBytes)
        {
            throw new ArgumentException($"A transaction id is 1 to {MaxTxIdBytes} bytes.", nameof(txId));
        }

        var tx = txId.ToArray();
        // TryCommitTransaction changes nothing when it answers false, so the empty transaction commits harmlessly and
        // the durable path below says what is wrong.
        if (ledgerDurable && WriteRecoverable(() => TryCommitTransaction(list, tx)))
        {
            return;
        }

        Write(_ =>
        {
            if (!TryCommitTransaction(list, tx))
            {
                foreach (var record in list)
                {
                    CommitVersion(record.StagingId, record.Address, tx);
                }
            }

            return 0;
        });
    }

    /// <summary>
    /// The usual commit in nine set-based statements instead of ten per version: every listed version, and no other, is
    /// pending under <paramref name="tx"/> as its resource's next version. Anything else (committing again, a version
    /// staged without a transaction id, a conflict) returns false having changed nothing, and goes version by version,
    /// which says what is wrong.
    /// </summary>
    private bool TryCommitTransaction(List<StagedRecord> list, byte[] tx)
    {
        var expected = new Dictionary<long, RecordAddress>(list.Count);
        foreach (var record in list)
        {
            if (!expected.TryAdd(record.StagingId, record.Address))
            {
                return false;
            }
        }

        var found = 0;
        using (var reader = _writer.Get(Sql.SelectPendingOfTransaction).With("@tx", tx).ExecuteReader())
        {
            while (reader.Read())
            {
                var version = (int)reader.GetInt64(1);
                if (!expected.TryGetValue(reader.GetInt64(0), out var address) || version != reader.GetInt64(4) + 1
                    || address != new RecordAddress(reader.GetString(2), reader.GetString(3), version))
                {
                    return false;
                }

                found++;
            }
        }

        if (found != expected.Count)
        {
            return false;
        }

        foreach (var sql in Sql.CommitTransaction)
        {
            _writer.Get(sql).With("@tx", tx).ExecuteNonQuery();
        }

        return true;
    }

    /// <summary>Deletes staged versions (zeroed on disk) in one transaction; already committed or unknown ones are left alone.</summary>
    public void Abandon(IEnumerable<StagedRecord> records)
    {
        var list = StagedList(records);
        Write(_ =>
        {
            foreach (var record in list)
            {
                DropVersion(record.StagingId);
            }

            return 0;
        });
    }

    /// <summary>
    /// On start, after the ledger has recovered: commits every pending version whose transaction id the ledger holds
    /// and drops the others (including those staged without an id), in one transaction.
    /// </summary>
    /// <returns>The number of versions committed.</returns>
    public int RecoverPending(Func<byte[], bool> isCommittedTxId)
    {
        ArgumentNullException.ThrowIfNull(isCommittedTxId);
        return Write(_ =>
        {
            var pending = new List<(long StagingId, byte[]? TxId)>();
            using (var reader = _writer.Get(Sql.SelectPending).ExecuteReader())
            {
                while (reader.Read())
                {
                    pending.Add((reader.GetInt64(0), reader.GetBlobOrNull(1)));
                }
            }

            var decisions = new Dictionary<string, bool>(StringComparer.Ordinal);
            var committed = 0;
            foreach (var (stagingId, tx) in pending)
            {
                var key = tx is null ? null : Convert.ToHexString(tx);
                if (key is not null && !decisions.ContainsKey(key))
                {
                    decisions[key] = isCommittedTxId(tx!.ToArray());
                }

                if (key is not null && decisions[key])
                {
                    CommitVersion(stagingId, null, tx!);
                    committed++;
                }
                else
                {
                    DropVersion(stagingId);
                }
            }

            return committed;
        });
    }

    private void ValidateRequests(IReadOnlyList<StageRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            throw new ArgumentException("Nothing to stage.", nameof(requests));
        }

        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i] ?? throw new ArgumentException($"Stage request {i} is null.", nameof(requests));
            RecordNames.Validate(request.Address, nameof(requests));
            var address = request.Address;
            if (!seen.Add((address.ResourceType, address.Id)))
            {
                throw new ArgumentException($"{address.ResourceType}/{address.Id} appears twice in one stage.", nameof(requests));
            }

            if (request.PatientId is not null)
            {
                RecordNames.ValidatePatientId(request.PatientId, nameof(requests));
            }

            if (request.Index is null)
            {
                throw new ArgumentException($"{address}: the index list is null (pass an empty list).", nameof(requests));
            }

            if (request.Deleted)
            {
                if (!request.Content.IsEmpty || request.Index.Count > 0)
                {
                    throw new ArgumentException($"{address} is a delete: it has no content and no index entries.", nameof(requests));
                }

                if (address.Version == 1)
                {
                    throw new ArgumentException($"{address}: a resource's first version cannot be a delete.", nameof(requests));
                }
            }
            else if (request.Content.IsEmpty)
            {
                throw new ArgumentException($"{address} has empty content; only a delete may.", nameof(requests));
            }
            else if (request.Content.Length > _options.MaxContentBytes)
            {
                throw new ArgumentException($"{address} is {request.Content.Length} bytes; the limit is {_options.MaxContentBytes}.", nameof(requests));
            }

            if (request.PreparedIndex is { } prepared)
            {
                if (!ReferenceEquals(prepared.Vault, this) || !ReferenceEquals(prepared.Entries, request.Index))
                {
                    throw new ArgumentException($"{address}: its prepared index was not prepared by this vault from its index list.", nameof(requests));
                }

                continue;
            }

            for (var j = 0; j < request.Index.Count; j++)
            {
                SearchValidation.ValidateEntry(request.Index[j], address, j);
            }
        }
    }

    /// <summary>
    /// Checks a version's index entries and hashes its blinded tokens and references as <see cref="Stage(IReadOnlyList{StageRequest}, ReadOnlySpan{byte})"/>
    /// would, so that the caller can do it on its own thread (in parallel) and hand the result over in
    /// <see cref="StageRequest.PreparedIndex"/> with the same <paramref name="index"/> list. Thread-safe; touches no database.
    /// </summary>
    /// <exception cref="ArgumentException">an entry is invalid (the same message the stage would give).</exception>
    public PreparedIndex PrepareIndex(RecordAddress address, IReadOnlyList<IndexEntry> index)
    {
        ArgumentNullException.ThrowIfNull(index);
        RecordNames.Validate(address, nameof(address));
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (var j = 0; j < index.Count; j++)
        {
            SearchValidation.ValidateEntry(index[j], address, j);
        }

        return new PreparedIndex(this, index, RowsOf(index));
    }

    private List<IndexRow> RowsOf(IReadOnlyList<IndexEntry> index)
    {
        var rows = new List<IndexRow>(index.Count);
        for (var j = 0; j < index.Count; j++)
        {
            rows.Add(IndexRow.From(index[j], _blindIndex));
        }

        return rows;
    }

    private static List<StagedRecord> StagedList(IEnumerable<StagedRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        if (list.Any(r => r is null))
        {
            throw new ArgumentException("A staged record is null.", nameof(records));
        }

        return list;
    }

    private StagedRecord StageOne(StageRequest request, CompartmentRow compartment, AesGcm cipher, List<IndexRow> indexRows, byte[]? tx,
        long now, LiveIndexRows live)
    {
        var address = request.Address;
        var recordRef = RecordRef(address.ResourceType, address.Id);
        if (IsErasedForWrite(recordRef))
        {
            throw new RecordErasedException(address.ResourceType, address.Id);
        }

        long? resourceId = null;
        var current = 0;
        if (FindResourceForWrite(address) is { } found)
        {
            resourceId = found.Id;
            if (found.CompartmentId != compartment.Id)
            {
                throw new CompartmentMismatchException(address);
            }

            current = found.Version;
        }

        if (address.Version != current + 1)
        {
            throw new VersionConflictException(address, current, inFlight: false);
        }

        if (resourceId is { } existing)
        {
            if ((long)_writer.Get(Sql.VersionExists).With("@resource", existing).With("@version", address.Version).ExecuteScalar()! > 0)
            {
                throw new VersionConflictException(address, current, inFlight: true);
            }
        }
        else
        {
            resourceId = InsertResource(address, compartment.Id);
        }

        var lastUpdated = request.LastUpdated?.ToUnixTimeMilliseconds() ?? now;
        var associatedData = RecordAssociatedData.Build(CompartmentContext.For(compartment.Pseudonym),
            address.ResourceType, address.Id, address.Version, request.Deleted, lastUpdated);
        var sealedRecord = SealedRecordFormat.Seal(cipher, associatedData, request.Content.Span);
        var stagingId = InsertVersion(resourceId.Value, address.Version, request.Deleted, lastUpdated, sealedRecord, tx);
        if (address.Version == 1)
        {
            // Nothing is replaced: the rows go straight where searches look, invisible until the commit (ADR 0015), with
            // the other first versions' rows of this stage once every version is staged.
            live.Add(resourceId.Value, address.ResourceType, indexRows);
        }
        else
        {
            InsertStagedIndex(stagingId, indexRows);
        }
        return new StagedRecord(address, compartment.Pseudonym?.ToArray(), recordRef,
            sealedRecord.Commitment, stagingId, request.Deleted, lastUpdated);
    }

    // The statements a stage runs for every resource: on SQLite bound by position on the writer's handle
    // (SqliteStatement), elsewhere as commands. Parameters are numbered in the order the SQL names them.

    private bool IsErasedForWrite(byte[] recordRef)
    {
        if (_writer.GetSqlite(Sql.IsErased) is { } statement)
        {
            statement.Bind(1, recordRef);
            return statement.ExecuteInt64() > 0;
        }

        return (long)_writer.Get(Sql.IsErased).With("@ref", recordRef).ExecuteScalar()! > 0;
    }

    private (long Id, long CompartmentId, int Version)? FindResourceForWrite(RecordAddress address)
    {
        if (_writer.GetSqlite(Sql.SelectResourceForWrite) is { } statement)
        {
            statement.Bind(1, address.ResourceType);
            statement.Bind(2, address.Id);
            try
            {
                return statement.Step() ? (statement.Int64(0), statement.Int64(1), checked((int)statement.Int64(2))) : null;
            }
            finally
            {
                statement.Reset();
            }
        }

        using var reader = _writer.Get(Sql.SelectResourceForWrite).With("@type", address.ResourceType).With("@id", address.Id).ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetVersion(2)) : null;
    }

    private long InsertResource(RecordAddress address, long compartmentId)
    {
        if (_writer.GetSqlite(Sql.InsertResource) is { } statement)
        {
            statement.Bind(1, address.ResourceType);
            statement.Bind(2, address.Id);
            statement.Bind(3, compartmentId);
            return statement.ExecuteInt64() ?? throw new InvalidOperationException("INSERT ... RETURNING id returned no row.");
        }

        return (long)_writer.Get(Sql.InsertResource)
            .With("@type", address.ResourceType).With("@id", address.Id).With("@compartment", compartmentId)
            .ExecuteScalar()!;
    }

    private long InsertVersion(long resourceId, int version, bool deleted, long lastUpdated, SealedRecord sealedRecord, byte[]? tx)
    {
        if (_writer.GetSqlite(Sql.InsertVersion) is { } statement)
        {
            statement.Bind(1, resourceId);
            statement.Bind(2, version);
            statement.Bind(3, deleted ? 1L : 0L);
            statement.Bind(4, lastUpdated);
            statement.Bind(5, (long)SealedRecordFormat.Format);
            statement.Bind(6, sealedRecord.Nonce);
            statement.Bind(7, sealedRecord.Ciphertext);
            statement.Bind(8, sealedRecord.Tag);
            statement.Bind(9, sealedRecord.Commitment);
            statement.Bind(10, tx);
            return statement.ExecuteInt64() ?? throw new InvalidOperationException("INSERT ... RETURNING id returned no row.");
        }

        return (long)_writer.Get(Sql.InsertVersion)
            .With("@resource", resourceId)
            .With("@version", version)
            .With("@deleted", deleted)
            .With("@updated", lastUpdated)
            .With("@format", (int)SealedRecordFormat.Format)
            .With("@nonce", sealedRecord.Nonce)
            .With("@ciphertext", sealedRecord.Ciphertext)
            .With("@tag", sealedRecord.Tag)
            .With("@commitment", sealedRecord.Commitment)
            .With("@tx", tx)
            .ExecuteScalar()!;
    }

    /// <summary>The version's index entries, <see cref="Sql.StagedIndexRowsPerStatement"/> per statement, the rest one by one, in order.</summary>
    private void InsertStagedIndex(long stagingId, List<IndexRow> rows)
    {
        var next = 0;
        for (; rows.Count - next >= Sql.StagedIndexRowsPerStatement; next += Sql.StagedIndexRowsPerStatement)
        {
            BindStagedIndex(_writer.Get(Sql.InsertStagedIndex(Sql.StagedIndexRowsPerStatement)), stagingId, rows, next, Sql.StagedIndexRowsPerStatement)
                .ExecuteNonQuery();
        }

        for (; next < rows.Count; next++)
        {
            BindStagedIndex(_writer.Get(Sql.InsertStagedIndex(1)), stagingId, rows, next, 1).ExecuteNonQuery();
        }
    }

    /// <summary>Binds by position (a statement of many rows has many parameters; looking each up by name costs more than the insert).</summary>
    private static System.Data.Common.DbCommand BindStagedIndex(System.Data.Common.DbCommand command, long stagingId, List<IndexRow> rows, int first, int count)
    {
        var names = Sql.StagedIndexParameters;
        command.WithAt(0, names[0], stagingId);
        for (var i = 0; i < count; i++)
        {
            var row = rows[first + i];
            var at = 1 + (i * Sql.StagedIndexColumns);
            command.WithAt(at, names[at], row.Parameter)
                .WithAt(at + 1, names[at + 1], (int)row.Kind)
                .WithAt(at + 2, names[at + 2], row.Token)
                .WithAt(at + 3, names[at + 3], row.Number)
                .WithAt(at + 4, names[at + 4], row.StartMs)
                .WithAt(at + 5, names[at + 5], row.EndMs);
        }

        return command;
    }

    /// <summary>
    /// The index entries of a stage's first versions, written into the search tables themselves (ADR 0015): no search
    /// returns a resource before its commit sets its current version, so they need not be staged, copied and deleted. Per
    /// table, in the order the versions were staged (a new resource's rows are appended to the table's end, ADR 0017),
    /// <see cref="Sql.LiveIndexRowsPerStatement"/> rows of any resources per statement and the rest in halving statements:
    /// a stage of many resources runs about one statement per two resources instead of three to five per resource.
    /// </summary>
    private void InsertLiveIndex(LiveIndexRows live)
    {
        foreach (var table in (ReadOnlySpan<Sql.IndexTable>)[Sql.IndexTable.Token, Sql.IndexTable.Number, Sql.IndexTable.Date])
        {
            var rows = live.Of(table);
            var next = 0;
            for (var size = Sql.LiveIndexRowsPerStatement; size > 0; size >>= 1)
            {
                for (; rows.Count - next >= size; next += size)
                {
                    var sql = Sql.InsertLiveIndex(table, size);
                    if (_writer.GetSqlite(sql) is { } inserter)
                    {
                        BindLiveIndex(inserter, table, rows, next, size);
                        inserter.Execute();
                    }
                    else
                    {
                        BindLiveIndex(_writer.Get(sql), table, rows, next, size).ExecuteNonQuery();
                    }
                }
            }
        }
    }

    /// <summary>A stage's first versions' index rows, by search table, each with its resource.</summary>
    private sealed class LiveIndexRows
    {
        private readonly List<(long ResourceId, string ResourceType, IndexRow Row)>[] _tables = [[], [], []];

        public void Add(long resourceId, string resourceType, List<IndexRow> rows)
        {
            foreach (var row in rows)
            {
                _tables[(int)TableOf(row)].Add((resourceId, resourceType, row));
            }
        }

        public List<(long ResourceId, string ResourceType, IndexRow Row)> Of(Sql.IndexTable table) => _tables[(int)table];
    }

    private static Sql.IndexTable TableOf(IndexRow row) =>
        row.Token is not null ? Sql.IndexTable.Token : row.Number is not null ? Sql.IndexTable.Number : Sql.IndexTable.Date;

    /// <summary>The same values as <see cref="BindLiveIndex(System.Data.Common.DbCommand, Sql.IndexTable, List{ValueTuple{long, string, IndexRow}}, int, int)"/>,
    /// bound by position (from 1) on SQLite.</summary>
    private static void BindLiveIndex(SqliteStatement inserter, Sql.IndexTable table, List<(long ResourceId, string ResourceType, IndexRow Row)> rows,
        int first, int count)
    {
        var perRow = Sql.LiveIndexParametersPerRow(table);
        if (inserter.ParameterCount != count * perRow)
        {
            throw new InvalidOperationException($"{table} index insert of {count} rows has {inserter.ParameterCount} parameters, not {count * perRow}");
        }

        for (var i = 0; i < count; i++)
        {
            var (resourceId, resourceType, row) = rows[first + i];
            var at = 1 + (i * perRow);
            inserter.Bind(at, resourceId);
            inserter.Bind(at + 1, resourceType);
            inserter.Bind(at + 2, row.Parameter);
            switch (table)
            {
                case Sql.IndexTable.Token:
                    inserter.Bind(at + 3, (long)row.Kind);
                    inserter.Bind(at + 4, row.Token);
                    break;
                case Sql.IndexTable.Number:
                    inserter.Bind(at + 3, row.Number);
                    break;
                default:
                    inserter.Bind(at + 3, row.StartMs);
                    inserter.Bind(at + 4, row.EndMs);
                    break;
            }
        }
    }

    private static System.Data.Common.DbCommand BindLiveIndex(System.Data.Common.DbCommand command, Sql.IndexTable table,
        List<(long ResourceId, string ResourceType, IndexRow Row)> rows, int first, int count)
    {
        var names = Sql.LiveIndexParameters(table);
        var perRow = Sql.LiveIndexParametersPerRow(table);
        for (var i = 0; i < count; i++)
        {
            var (resourceId, resourceType, row) = rows[first + i];
            var at = i * perRow;
            command.WithAt(at, names[at], resourceId).WithAt(at + 1, names[at + 1], resourceType).WithAt(at + 2, names[at + 2], row.Parameter);
            _ = table switch
            {
                Sql.IndexTable.Token => command.WithAt(at + 3, names[at + 3], (int)row.Kind).WithAt(at + 4, names[at + 4], row.Token),
                Sql.IndexTable.Number => command.WithAt(at + 3, names[at + 3], row.Number),
                _ => command.WithAt(at + 3, names[at + 3], row.StartMs).WithAt(at + 4, names[at + 4], row.EndMs),
            };
        }

        return command;
    }

    private void CommitVersion(long stagingId, RecordAddress? expected, byte[] tx)
    {
        long resourceId;
        RecordAddress address;
        bool deleted;
        long lastUpdated;
        int current;
        using (var reader = _writer.Get(Sql.SelectStaged).With("@staging", stagingId).ExecuteReader())
        {
            if (!reader.Read())
            {
                throw new InvalidOperationException(
                    $"{expected?.ToString() ?? $"Staging id {stagingId}"} is no longer staged (abandoned, dropped by recovery or shredded); nothing was committed.");
            }

            resourceId = reader.GetInt64(0);
            address = new RecordAddress(reader.GetString(6), reader.GetString(7), reader.GetVersion(1));
            deleted = reader.GetFlag(2);
            lastUpdated = reader.GetInt64(3);
            current = reader.GetVersion(8);
            if (expected is { } wanted && wanted != address)
            {
                throw new ArgumentException($"Staging id {stagingId} belongs to another record than {wanted}; nothing was committed.");
            }

            var stagedTx = reader.GetBlobOrNull(5);
            if (reader.GetFlag(4))
            {
                if (stagedTx is not null && stagedTx.AsSpan().SequenceEqual(tx))
                {
                    return;
                }

                throw new InvalidOperationException($"{address} was already committed by another transaction; nothing was committed.");
            }

            if (stagedTx is not null && !stagedTx.AsSpan().SequenceEqual(tx))
            {
                throw new ArgumentException($"{address} was staged for another transaction id; nothing was committed.");
            }
        }

        if (current != address.Version - 1)
        {
            throw new VersionConflictException(address, current, inFlight: false);
        }

        _writer.Get(Sql.MarkCommitted).With("@staging", stagingId).With("@tx", tx).ExecuteNonQuery();
        _writer.Get(Sql.UpdateCurrent)
            .With("@resource", resourceId).With("@version", address.Version).With("@deleted", deleted).With("@updated", lastUpdated)
            .ExecuteNonQuery();
        if (address.Version > 1)
        {
            // A first version's entries are already the live ones (written when it was staged); a later version replaces.
            DeleteLiveIndex(resourceId);
        }

        if (!deleted)
        {
            foreach (var sql in (ReadOnlySpan<string>)[Sql.PublishTokens, Sql.PublishNumbers, Sql.PublishDates])
            {
                _writer.Get(sql).With("@resource", resourceId).With("@type", address.ResourceType).With("@staging", stagingId)
                    .ExecuteNonQuery();
            }
        }

        _writer.Get(Sql.DeleteStagedIndex).With("@staging", stagingId).ExecuteNonQuery();
    }

    private void DeleteLiveIndex(long resourceId)
    {
        foreach (var sql in (ReadOnlySpan<string>)[Sql.DeleteTokenIndex, Sql.DeleteNumberIndex, Sql.DeleteDateIndex])
        {
            _writer.Get(sql).With("@resource", resourceId).ExecuteNonQuery();
        }
    }

    private void DropVersion(long stagingId)
    {
        long resourceId;
        long version;
        using (var reader = _writer.Get(Sql.SelectPendingResource).With("@staging", stagingId).ExecuteReader())
        {
            if (!reader.Read())
            {
                return;
            }

            resourceId = reader.GetInt64(0);
            version = reader.GetInt64(1);
        }

        if (version == 1)
        {
            // A pending first version's entries were written live (invisible to searches until a commit, which never comes).
            DeleteLiveIndex(resourceId);
        }

        _writer.Get(Sql.DeleteStagedIndex).With("@staging", stagingId).ExecuteNonQuery();
        _writer.Get(Sql.DeleteVersion).With("@staging", stagingId).ExecuteNonQuery();
        _writer.Get(Sql.DeleteResourceIfUnused).With("@resource", resourceId).ExecuteNonQuery();
    }
}
