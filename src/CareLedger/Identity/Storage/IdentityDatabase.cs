using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace CareLedger.Identity.Storage;

/// <summary>Creates DATA/identity.db (mode 0600: it holds password and secret hashes) and checks its schema version.</summary>
internal static class IdentityDatabase
{
    public const string FileName = "identity.db";

    /// <summary>Bumped with every schema change; a database of another version is refused, never half-used.</summary>
    public const int SchemaVersion = 1;

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    public static string ConnectionString(string dataDirectory) => new SqliteConnectionStringBuilder
    {
        DataSource = PathIn(dataDirectory),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
    }.ToString();

    public static void Configure(DbContextOptionsBuilder options, string dataDirectory)
    {
        options.UseSqlite(ConnectionString(dataDirectory));
        options.UseOpenIddict();
    }

    public static async Task EnsureCreatedAsync(IdentityDbContext db, string dataDirectory, CancellationToken ct)
    {
        var path = PathIn(dataDirectory);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataDirectory);
            // SQLite gives its -wal and -shm files the database file's mode, so creating it 0600 covers all three.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                await using var _ = new FileStream(path, options);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; its creator chose the same mode.
            }
        }

        await db.Database.EnsureCreatedAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            // WAL lets token writes and reads overlap; the setting is kept in the file.
            await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", ct);
            var version = await ExecuteAsync(connection, "PRAGMA user_version;", ct);
            if (version == 0)
            {
                await ExecuteAsync(connection, $"PRAGMA user_version = {SchemaVersion};", ct);
            }
            else if (version != SchemaVersion)
            {
                throw new InvalidOperationException(
                    $"{path} has identity schema version {version}, but this build reads version {SchemaVersion}");
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task<long> ExecuteAsync(DbConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(ct) is long value ? value : 0;
    }
}
