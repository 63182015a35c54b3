using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using CareLedger.Vault.Keys;
using CareLedger.Vault.Records;
using CareLedger.Vault.Search;
using CareLedger.Vault.Storage;

namespace CareLedger.Vault;

/// <summary>
/// The encrypted store of FHIR resources (L7) and their crypto-shredding (L8). Each record version is sealed with
/// AES-256-GCM under its compartment's data key (one per patient, one for the organisation), which is stored only
/// wrapped by the key provider's KEK. Writes are two-phase around the ledger commit: Stage → ledger → Commit.
/// Thread-safe: one writer at a time (a lock), reads in parallel on pooled connections.
/// </summary>
public sealed partial class Vault : IDisposable
{
    private const int PseudonymBytes = 16;
    private const int DataKeyBytes = 32;

    private readonly VaultOptions _options;
    private readonly IKeyEncryptionKeyProvider _keys;
    private readonly Lock _writeGate = new();
    private readonly StatementCache _writer;
    private readonly ReaderPool _readers;
    private readonly DataKeyCache _dataKeys;
    private readonly ReusedHmac _recordRefMac;
    private readonly ReusedHmac _patientLookupMac;
    private readonly BlindIndex _blindIndex;
    private readonly VaultDatabase _database;
    private bool _disposed;

    // Set (under _writeGate) while the writer may be left committing without waiting for the disk: from before a
    // recoverable commit until durable commits are back. Every durable write restores them first, or is refused.
    private bool _writerMayBeFast;

    private Vault(VaultOptions options, VaultDatabase database, DbConnection writer)
    {
        _options = options;
        _keys = options.KeyProvider;
        _database = database;
        DatabasePath = database.Location;
        _writer = new StatementCache(writer, database) { HoldsStoreLock = true };
        _readers = new ReaderPool(database, options.MaxIdleReaders);
        _dataKeys = new DataKeyCache(options.DataKeyCacheCapacity);
        _recordRefMac = new ReusedHmac(SecretOf(VaultSecretPurpose.RecordReference));
        _patientLookupMac = new ReusedHmac(SecretOf(VaultSecretPurpose.PatientLookup));
        _blindIndex = new BlindIndex(SecretOf(VaultSecretPurpose.BlindIndex));
    }

    /// <summary>Where the vault is: the SQLite file's full path, or the PostgreSQL server and schema.</summary>
    public string DatabasePath { get; }

    /// <summary>Opens (or creates: a SQLite file of mode 0600, or the tables in the node's PostgreSQL schema) the vault
    /// and checks its schema version.</summary>
    /// <exception cref="CareLedger.Storage.StoreUnavailableException">the PostgreSQL server cannot be reached or refuses the
    /// node, or another process has this vault open.</exception>
    public static Vault Open(VaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.KeyProvider);
        ArgumentNullException.ThrowIfNull(options.Time);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.DataKeyCacheCapacity);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxIdleReaders);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxContentBytes);
        VaultDatabase database = options.Postgres is { } store
            ? new PostgresVaultDatabase(store)
            : new SqliteVaultDatabase(options.DatabasePath, options.BusyTimeout);
        DbConnection? writer = null;
        try
        {
            writer = database.OpenWriter();
            database.Recover(writer);
            var vault = new Vault(options, database, writer);
            database.StartBackground(vault._writeGate);
            return vault;
        }
        catch
        {
            writer?.Dispose();
            database.Dispose();
            throw;
        }
    }

    /// <summary>The patient's pseudonym on the ledger: 16 random bytes, created with the patient's compartment on
    /// first use, stable until <see cref="Shred"/>; afterwards the same id gets a new, unrelated pseudonym.</summary>
    public byte[] PseudonymFor(string patientId)
    {
        RecordNames.ValidatePatientId(patientId, nameof(patientId));
        if (TryGetPseudonym(patientId) is { } existing)
        {
            return existing;
        }

        return Write(newKeys => GetOrCreateCompartment(patientId, newKeys)).Pseudonym!.ToArray();
    }

    /// <summary>
    /// <see cref="PseudonymFor"/> of several patients, the missing compartments created in ONE durable transaction (one
    /// fsync, one turn of the writer lock) instead of one each: what the access gate uses when concurrent writes of new
    /// patients (an import's files in flight) need their compartments at once. Same order as <paramref name="patientIds"/>;
    /// a repeated id gets the same pseudonym. Internal: only the access layer (a friend assembly) creates compartments.
    /// </summary>
    internal IReadOnlyList<byte[]> PseudonymsFor(IReadOnlyList<string> patientIds)
    {
        ArgumentNullException.ThrowIfNull(patientIds);
        foreach (var patientId in patientIds)
        {
            RecordNames.ValidatePatientId(patientId, nameof(patientIds));
        }

        return Write(newKeys => patientIds.Select(id => GetOrCreateCompartment(id, newKeys).Pseudonym!.ToArray()).ToList());
    }

    /// <summary>The patient's pseudonym if the patient has a compartment here; never creates one.</summary>
    public byte[]? TryGetPseudonym(string patientId)
    {
        RecordNames.ValidatePatientId(patientId, nameof(patientId));
        var lookup = PatientLookup(patientId);
        return _readers.Read(reader => FindCompartment(reader, lookup))?.Pseudonym;
    }

    /// <summary>The record's name on the ledger: HMAC-SHA256(vault secret, "type/id"), 32 bytes; the same for every version.</summary>
    public byte[] RecordRef(string resourceType, string id)
    {
        RecordNames.ValidateType(resourceType, nameof(resourceType));
        RecordNames.ValidateId(id, nameof(id));
        return _recordRefMac.Compute(Encoding.UTF8.GetBytes($"{resourceType}/{id}"));
    }

    /// <summary>The token stored for a sensitive value: base64url of HMAC-SHA256(index secret, parameter, value) truncated
    /// to 16 bytes. Normalize the value first (case, accents, spaces) as the search side will.</summary>
    public string BlindToken(string parameter, string normalizedValue)
    {
        SearchValidation.ValidateParameter(parameter, nameof(BlindToken));
        ArgumentException.ThrowIfNullOrEmpty(normalizedValue);
        return _blindIndex.Token(parameter, normalizedValue);
    }

    public void Dispose()
    {
        // Before the writer lock: the checkpointer may be waiting for it.
        _database.StopBackground();
        lock (_writeGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _readers.Dispose();
            _writer.Dispose();
            _database.Dispose();
        }

        _dataKeys.Dispose();
        _blindIndex.Dispose();
        _recordRefMac.Dispose();
        _patientLookupMac.Dispose();
    }

    private byte[] SecretOf(VaultSecretPurpose purpose)
    {
        var secret = _keys.GetSecret(purpose);
        if (secret.Length != DataKeyBytes)
        {
            throw new ArgumentException($"The key provider's {purpose} secret is {secret.Length} bytes, not {DataKeyBytes}.");
        }

        return secret;
    }

    private byte[] PatientLookup(string patientId) => _patientLookupMac.Compute(Encoding.UTF8.GetBytes(patientId));

    /// <summary>Runs <paramref name="work"/> in one write transaction under the writer lock. Data keys created inside are
    /// cached at once and dropped again if the transaction rolls back.</summary>
    private T Write<T>(Func<List<long>, T> work)
    {
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureDurableCommits();
            var newCompartments = new List<long>();
            try
            {
                return _writer.InTransaction(() => work(newCompartments));
            }
            catch
            {
                foreach (var compartment in newCompartments)
                {
                    _dataKeys.Remove(compartment);
                }

                throw;
            }
        }
    }

    /// <summary>
    /// A write that recovery redoes if a crash loses it (<see cref="Commit"/> of versions staged under a transaction the
    /// ledger holds): committed without waiting for the disk. Never for a write that creates a compartment (its data key
    /// exists nowhere else), hence no compartment list.
    /// </summary>
    private bool WriteRecoverable(Func<bool> work)
    {
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writerMayBeFast = true;
            _database.SetDurableCommits(_writer.Connection, durable: false);
            bool done;
            try
            {
                done = _writer.InTransaction(work);
            }
            catch
            {
                TryEnsureDurableCommits();
                throw;
            }

            // The commit has happened (recovery would redo it), so a failure to restore durable commits is not this
            // commit's failure: it is left for the next write, which restores them first or is refused.
            TryEnsureDurableCommits();
            return done;
        }
    }

    /// <summary>Durable commits on the writer again if a recoverable commit may have left it otherwise; throws if not.</summary>
    private void EnsureDurableCommits()
    {
        if (_writerMayBeFast)
        {
            BeforeRestoringDurableCommits?.Invoke();
            _database.SetDurableCommits(_writer.Connection, durable: true);
            _writerMayBeFast = false;
        }
    }

    private void TryEnsureDurableCommits()
    {
        try
        {
            EnsureDurableCommits();
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException)
        {
            // _writerMayBeFast stays set: no write commits until durable commits are restored.
        }
    }

    /// <summary>Tests: a fault of the database just before durable commits are restored (a lost connection, a refused pragma).</summary>
    internal Action? BeforeRestoringDurableCommits { get; set; }

    /// <summary>Tests: the SQLite vault's background WAL checkpointer (ADR 0019); null on PostgreSQL.</summary>
    internal CareLedger.Sqlite.SqliteWalCheckpointer? Checkpointer => (_database as SqliteVaultDatabase)?.Checkpointer;

    /// <summary>Whether the writer's next commit waits for the disk (tests: a recoverable commit leaves it so).</summary>
    internal bool WriterCommitsDurably()
    {
        lock (_writeGate)
        {
            return _database.CommitsDurably(_writer.Connection);
        }
    }

    private static CompartmentRow? FindCompartment(StatementCache connection, byte[]? lookup)
    {
        var command = lookup is null
            ? connection.Get(Sql.SelectOrganisationCompartment)
            : connection.Get(Sql.SelectCompartmentByLookup).With("@lookup", lookup);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new CompartmentRow(reader.GetInt64(0), reader.GetBlobOrNull(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3))
            : null;
    }

    private CompartmentRow GetOrCreateCompartment(string? patientId, List<long> newCompartments)
    {
        var lookup = patientId is null ? null : PatientLookup(patientId);
        if (FindCompartment(_writer, lookup) is { } existing)
        {
            return existing;
        }

        var pseudonym = lookup is null ? null : RandomNumberGenerator.GetBytes(PseudonymBytes);
        var dek = RandomNumberGenerator.GetBytes(DataKeyBytes);
        try
        {
            var wrapped = _keys.Wrap(dek, CompartmentContext.For(pseudonym));
            var id = (long)_writer.Get(Sql.InsertCompartment)
                .With("@lookup", lookup)
                .With("@pseudonym", pseudonym)
                .With("@kek", wrapped.KeyId)
                .With("@wrapped", wrapped.Wrapped)
                .With("@now", _options.Time.GetUtcNow().ToUnixTimeMilliseconds())
                .ExecuteScalar()!;
            newCompartments.Add(id);
            _dataKeys.Add(id, dek);
            return new CompartmentRow(id, pseudonym, wrapped.KeyId, wrapped.Wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
        }
    }

    /// <summary>Copies the compartment's data key into <paramref name="destination"/>, unwrapping it on a cache miss.
    /// Throws <see cref="CryptographicException"/> when the wrapped key does not unwrap.</summary>
    private void CopyDataKey(CompartmentRow compartment, Span<byte> destination)
    {
        if (_dataKeys.TryCopy(compartment.Id, destination))
        {
            return;
        }

        var dek = _keys.Unwrap(compartment.KekId, compartment.WrappedDek, CompartmentContext.For(compartment.Pseudonym));
        try
        {
            if (dek.Length != DataKeyBytes)
            {
                throw new CryptographicException($"The key provider unwrapped {dek.Length} bytes, not a {DataKeyBytes}-byte data key.");
            }

            dek.CopyTo(destination);
            _dataKeys.Add(compartment.Id, dek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
        }
    }

    private bool IsErased(StatementCache connection, string resourceType, string id) =>
        (long)connection.Get(Sql.IsErased).With("@ref", RecordRef(resourceType, id)).ExecuteScalar()! > 0;

    /// <summary>What the database keeps of deleted rows is removed where it can be (<see cref="VaultDatabase.ForgetDeletedRows"/>);
    /// true if nothing of them remains in its files.</summary>
    private bool TruncateWriteAheadLog() => _writer.ForgetDeletedRows();
}
