using System.Runtime.CompilerServices;
using CareLedger.Sqlite;

namespace CareLedger.Testing;

/// <summary>
/// SQLite's process-wide settings (docs/adr/0025) applied as the node's entry point applies them, before any test in
/// the assembly opens a connection: the tests' in-process nodes, vaults and audit trails run as `careledger` does.
/// One source, linked into each test assembly that runs SQLite stores (a module initialiser belongs to its assembly).
/// </summary>
internal static class SqliteProcessSetup
{
#pragma warning disable CA2255 // A test assembly's own initialiser: it runs before any of its tests, which is the point.
    [ModuleInitializer]
    internal static void Apply() => SqliteProcessConfiguration.Apply();
#pragma warning restore CA2255
}
