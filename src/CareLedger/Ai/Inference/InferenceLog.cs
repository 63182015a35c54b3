using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CareLedger.IO;
using CareLedger.Ledger.Engine;
using Microsoft.Data.Sqlite;

namespace CareLedger.Ai.Inference;

/// <summary>
/// DATA/inferences.db: for every inference anchored on the ledger, its opening (<see cref="InferenceOpening"/>) sealed
/// with AES-256-GCM under DATA/keys/inference.key (32 random bytes, 0600; associated data = the anchor's transaction id,
/// so a sealed opening cannot be moved to another row). Beside it, in clear, only ids, the model and the patient's
/// vault pseudonym (so erasure can forget them). SQLite in WAL mode, synchronous=FULL, secure_delete; file mode 0600.
/// Thread-safe: one lock guards the connection and the AES-GCM key (neither may be used by two threads at once).
/// </summary>
public sealed class InferenceLog : IDisposable
{
    public const string DatabaseFileName = "inferences.db";
    public const string KeyFileName = "inference.key";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const byte SealFormat = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly SqliteConnection _connection;
    private readonly AesGcm _key;
    private readonly Lock _lock = new();
    private bool _disposed;

    private InferenceLog(SqliteConnection connection, AesGcm key)
    {
        _connection = connection;
        _key = key;
    }

    public static InferenceLog Open(string dataDirectory)
    {
        var directory = Path.GetFullPath(dataDirectory);
        var database = Path.Combine(directory, DatabaseFileName);
        var key = LoadOrCreateKey(Path.Combine(directory, "keys", KeyFileName));
        if (!OperatingSystem.IsWindows() && !File.Exists(database))
        {
            using (new FileStream(database, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }))
            {
            }

            DirectorySync.TryFlush(directory);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = database,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, """
                PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 10000;
                CREATE TABLE IF NOT EXISTS inferences (
                    tx_id TEXT PRIMARY KEY,
                    leaf_index INTEGER NOT NULL,
                    inference_id TEXT NOT NULL UNIQUE,
                    created_ms INTEGER NOT NULL,
                    model_id TEXT NOT NULL,
                    patient BLOB,
                    sealed BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS inferences_patient ON inferences(patient);
                """);
            return new InferenceLog(connection, key);
        }
        catch
        {
            connection.Dispose();
            key.Dispose();
            throw;
        }
    }

    /// <param name="patient">The vault's pseudonym of the patient (never the patient id).</param>
    public void Record(string transaction, long leafIndex, DateTimeOffset time, byte[]? patient, InferenceOpening opening)
    {
        var plaintext = opening.ToJson();
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                // Under the lock: an AesGcm instance must not be used by two threads at once.
                var sealedOpening = Seal(plaintext, Encoding.UTF8.GetBytes(transaction));
                using var command = _connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO inferences (tx_id, leaf_index, inference_id, created_ms, model_id, patient, sealed)
                    VALUES ($tx, $leaf, $id, $time, $model, $patient, $sealed)
                    """;
                command.Parameters.AddWithValue("$tx", transaction);
                command.Parameters.AddWithValue("$leaf", leafIndex);
                command.Parameters.AddWithValue("$id", opening.InferenceId.ToString("D"));
                command.Parameters.AddWithValue("$time", time.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$model", opening.Model);
                command.Parameters.AddWithValue("$patient", (object?)patient ?? DBNull.Value);
                command.Parameters.AddWithValue("$sealed", sealedOpening);
                command.ExecuteNonQuery();
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Recomputes an inference's digest from its opening and holds it to the anchor on the ledger.</summary>
    /// <param name="reference">The anchor's transaction id, or the inference's id (the answer's id, named in the access log).</param>
    /// <exception cref="KeyNotFoundException">No inference was logged under that transaction or id.</exception>
    public InferenceProof Prove(string reference, LedgerEngine ledger)
    {
        ArgumentNullException.ThrowIfNull(reference);
        string transaction;
        long leaf;
        byte[] sealedOpening;
        byte[] plaintext;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT tx_id, leaf_index, sealed FROM inferences WHERE tx_id = $ref OR inference_id = $ref";
            command.Parameters.AddWithValue("$ref", reference.Trim().ToLowerInvariant());
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                throw new KeyNotFoundException($"no inference is logged under '{reference}' (a transaction or inference id), or it was forgotten when its patient was erased");
            }

            transaction = reader.GetString(0);
            leaf = reader.GetInt64(1);
            sealedOpening = (byte[])reader.GetValue(2);
            plaintext = Open(sealedOpening, Encoding.UTF8.GetBytes(transaction));
        }

        try
        {
            var opening = InferenceOpening.Parse(plaintext);
            var problem = LedgerAnchors.Check(ledger, transaction, leaf, LedgerAnchors.Inference, opening.Digest(), opening.Model);
            return new InferenceProof(transaction, leaf, opening, problem);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>How many inferences are logged for a model (for listings).</summary>
    public long CountFor(string modelId)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM inferences WHERE model_id = $model";
            command.Parameters.AddWithValue("$model", modelId);
            return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// Forgets a patient's inference openings (GDPR Art. 17, with their records): the anchors stay on the ledger and
    /// can no longer be opened by anyone. Returns how many were forgotten.
    /// </summary>
    public int Forget(byte[] patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM inferences WHERE patient = $patient";
            command.Parameters.AddWithValue("$patient", patient);
            return command.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
            _key.Dispose();
        }
    }

    private byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var sealedValue = new byte[1 + NonceBytes + plaintext.Length + TagBytes];
        sealedValue[0] = SealFormat;
        var nonce = sealedValue.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        _key.Encrypt(nonce, plaintext, sealedValue.AsSpan(1 + NonceBytes, plaintext.Length), sealedValue.AsSpan(sealedValue.Length - TagBytes), associatedData);
        return sealedValue;
    }

    private byte[] Open(ReadOnlySpan<byte> sealedValue, ReadOnlySpan<byte> associatedData)
    {
        if (sealedValue.Length < 1 + NonceBytes + TagBytes || sealedValue[0] != SealFormat)
        {
            throw new CryptographicException("a sealed inference opening has an unknown format or is truncated");
        }

        var plaintext = new byte[sealedValue.Length - 1 - NonceBytes - TagBytes];
        _key.Decrypt(sealedValue.Slice(1, NonceBytes), sealedValue.Slice(1 + NonceBytes, plaintext.Length), sealedValue[^TagBytes..], plaintext, associatedData);
        return plaintext;
    }

    private static AesGcm LoadOrCreateKey(string path)
    {
        byte[] key;
        if (File.Exists(path))
        {
            key = File.ReadAllBytes(path);
            if (key.Length != 32)
            {
                CryptographicOperations.ZeroMemory(key);
                throw new InvalidDataException($"inference key file '{path}' holds {key.Length} bytes; expected 32");
            }
        }
        else
        {
            key = RandomNumberGenerator.GetBytes(32);
            SecureFile.WriteAllBytes(path, key);
        }

        try
        {
            return new AesGcm(key, TagBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
