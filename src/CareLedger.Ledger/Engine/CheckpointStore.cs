using CareLedger.Ledger.Checkpoints;
using Microsoft.Data.Sqlite;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// Every checkpoint the node signed, keyed by tree size, in DATA/checkpoints/checkpoints.db. Not in state.db:
/// the state is disposable (rebuilt by replay, written without fsync) while a signed checkpoint, once served,
/// must never change or vanish, so this file is written with synchronous=FULL (fsync on every commit).
/// </summary>
internal sealed class CheckpointStore : IDisposable
{
    public const string FileName = "checkpoints.db";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS checkpoints (
            size INTEGER PRIMARY KEY NOT NULL,
            note TEXT NOT NULL
        ) STRICT;
        """;

    private readonly SqliteConnection connection;
    private readonly SqliteCommand insert;

    private CheckpointStore(SqliteConnection connection)
    {
        this.connection = connection;
        insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO checkpoints (size, note) VALUES ($size, $note)";
        insert.Parameters.Add(new SqliteParameter { ParameterName = "$size" });
        insert.Parameters.Add(new SqliteParameter { ParameterName = "$note" });
    }

    public static CheckpointStore Open(string directory)
    {
        Directory.CreateDirectory(directory);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory, FileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; " + Schema;
            command.ExecuteNonQuery();
            return new CheckpointStore(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The checkpoint of the largest size, or null when none was signed yet.</summary>
    public SignedCheckpoint? Latest()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var size = reader.GetInt64(0);
        SignedCheckpoint checkpoint;
        try
        {
            checkpoint = SignedCheckpoint.Parse(reader.GetString(1));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"the stored checkpoint of size {size} is not a valid signed checkpoint: {e.Message}", e);
        }

        return checkpoint.Size == size
            ? checkpoint
            : throw new InvalidDataException($"the stored checkpoint keyed by size {size} says size {checkpoint.Size}");
    }

    /// <summary>Stores a checkpoint durably (fsync); a second checkpoint of the same size is refused.</summary>
    public void Append(SignedCheckpoint checkpoint)
    {
        insert.Parameters[0].Value = checkpoint.Size;
        insert.Parameters[1].Value = checkpoint.Note.ToString();
        insert.ExecuteNonQuery();
    }

    /// <summary>Every stored checkpoint, by size, read-only (for verification); nothing when the store does not exist.</summary>
    public static IEnumerable<(long Size, string Note)> ReadAll(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            yield break;
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT size, note FROM checkpoints ORDER BY size";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetString(1));
        }
    }

    public void Dispose()
    {
        insert.Dispose();
        connection.Dispose();
    }
}
