using CareLedger.Cli;
using CareLedger.Sqlite;

// Before anything opens a connection: SQLite's process-wide settings (docs/adr/0025).
SqliteProcessConfiguration.Apply();
return await CareLedgerCli.RunAsync(args);

/// <summary>The entry point type, named so that tests can locate this assembly.</summary>
public partial class Program;
