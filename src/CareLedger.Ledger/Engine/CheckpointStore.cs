using CareLedger.Ledger.Checkpoints;
using Microsoft.Data.Sqlite;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// Every checkpoint the node signed, keyed by tree size, in DATA/checkpoints/checkpoints.db, and for a consortium
/// member every commit point (a checkpoint with the cosignatures of a quorum of members). Not in state.db:
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
        CREATE TABLE IF NOT EXISTS commits (
            size INTEGER PRIMARY KEY NOT NULL,
            note TEXT NOT NULL
        ) STRICT;
        """;

    private readonly SqliteConnection connection;
    private readonly SqliteCommand insert;
    private readonly SqliteCommand insertCommit;

    private CheckpointStore(SqliteConnection connection)
    {
        this.connection = connection;
        insert = Insert(connection, "INSERT INTO checkpoints (size, note) VALUES ($size, $note)");
        // A commit point is the same at every member; one learned twice (after a restart) is kept as first stored.
        insertCommit = Insert(connection, "INSERT INTO commits (size, note) VALUES ($size, $note) ON CONFLICT (size) DO NOTHING");
    }

    private static SqliteCommand Insert(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new SqliteParameter { ParameterName = "$size" });
        command.Parameters.Add(new SqliteParameter { ParameterName = "$note" });
        return command;
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
    public SignedCheckpoint? Latest() => Query("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", null);

    /// <summary>The checkpoint this node signed at <paramref name="size"/>, or null.</summary>
    public SignedCheckpoint? Find(long size) => Query("SELECT size, note FROM checkpoints WHERE size = $size", size);

    /// <summary>The latest commit point stored (a consortium member), or null.</summary>
    public SignedCheckpoint? LatestCommit() => Query("SELECT size, note FROM commits ORDER BY size DESC LIMIT 1", null);

    /// <summary>Stores a commit point durably (fsync); one that is already stored at the same size is kept as it was.</summary>
    public void AppendCommit(SignedCheckpoint commit)
    {
        insertCommit.Parameters[0].Value = commit.Size;
        insertCommit.Parameters[1].Value = commit.Note.ToString();
        insertCommit.ExecuteNonQuery();
    }

    private SignedCheckpoint? Query(string sql, long? wanted)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (wanted is { } value)
        {
            command.Parameters.AddWithValue("$size", value);
        }

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
    public static IEnumerable<(long Size, string Note)> ReadAll(string directory) => ReadTable(directory, "checkpoints");

    /// <summary>Every stored commit point, by size, read-only (for verification and the fault tests).</summary>
    public static IEnumerable<(long Size, string Note)> ReadAllCommits(string directory) => ReadTable(directory, "commits");

    private static IEnumerable<(long Size, string Note)> ReadTable(string directory, string table)
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
        // Stores written before commit points existed have no commits table.
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $table";
        command.Parameters.AddWithValue("$table", table);
        if ((long)command.ExecuteScalar()! == 0)
        {
            yield break;
        }

        command.CommandText = $"SELECT size, note FROM {table} ORDER BY size";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetString(1));
        }
    }

    public void Dispose()
    {
        insert.Dispose();
        insertCommit.Dispose();
        connection.Dispose();
    }
}
