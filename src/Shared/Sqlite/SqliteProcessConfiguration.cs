using SQLitePCL;

namespace CareLedger.Sqlite;

/// <summary>
/// The process-wide configuration of SQLite (ADR 0025), applied once in every process that runs the node — the
/// <c>careledger</c> entry point, the benchmark harness, the test assemblies — before the first connection opens:
/// <c>sqlite3_config</c> works only before SQLite initialises itself, which its first connection does.
/// <para>
/// Memory statistics off (<c>SQLITE_CONFIG_MEMSTATUS</c> 0): with them on, every allocation SQLite makes takes a
/// process-wide mutex to count the bytes in use (<c>sqlite3_memory_used</c>), shared by every thread and connection.
/// Nothing in CareLedger reads those counts or sets a soft heap limit (which needs them).
/// </para>
/// <para>
/// The threading mode stays serialized, e_sqlite3's default (each connection with a mutex that every call on it or its
/// statements takes): multi-thread mode was measured and not kept (ADR 0025).
/// </para>
/// Shared by source like <see cref="SqliteWalCheckpointer"/> and compiled into <c>CareLedger.Vault</c> only; public so
/// that the host, the harness and every test assembly reach the one copy.
/// </summary>
public static class SqliteProcessConfiguration
{
    private static readonly Lock Gate = new();
    private static bool _applied;

    /// <summary>Whether <see cref="Apply"/> has configured SQLite in this process.</summary>
    public static bool Applied
    {
        get
        {
            lock (Gate)
            {
                return _applied;
            }
        }
    }

    /// <summary>
    /// Configures SQLite for this process; again, it does nothing. Throws <see cref="InvalidOperationException"/> if
    /// SQLite was already initialised by something else (a connection opened before this call): the node would run
    /// with SQLite's defaults, which benchmarks and tests would then measure without saying so. The call belongs at
    /// the start of the process, before anything touches SQLite.
    /// </summary>
    /// <returns>True if this call configured SQLite, false if an earlier one had.</returns>
    public static bool Apply()
    {
        lock (Gate)
        {
            if (_applied)
            {
                return false;
            }

            Configure();
            _applied = true;
            return true;
        }
    }

    /// <summary>The configuration itself, without the once-only guard (tested on an initialised SQLite).</summary>
    internal static void Configure()
    {
        // The provider (e_sqlite3) must be set before any raw call; Microsoft.Data.Sqlite does the same on its first use,
        // and setting it again changes nothing.
        Batteries_V2.Init();
        var rc = raw.sqlite3_config(raw.SQLITE_CONFIG_MEMSTATUS, 0);
        if (rc == raw.SQLITE_MISUSE)
        {
            throw new InvalidOperationException(
                "SQLite was initialised before the process configuration (ADR 0025) was applied: a connection was " +
                "opened first. Call SqliteProcessConfiguration.Apply() at the start of the process, before any SQLite use.");
        }

        if (rc != raw.SQLITE_OK)
        {
            throw new InvalidOperationException($"sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) failed: {raw.sqlite3_errstr(rc).utf8_to_string()} ({rc}).");
        }
    }
}
