using CareLedger.Ledger.State;

namespace CareLedger.Ledger.Engine;

/// <summary>Where each part of a node's ledger lives inside its data directory.</summary>
internal static class LedgerLayout
{
    public static string Log(string dataDirectory) => Path.Combine(dataDirectory, "log");

    public static string Merkle(string dataDirectory) => Path.Combine(dataDirectory, "merkle");

    public static string State(string dataDirectory) => Path.Combine(dataDirectory, LedgerState.FileName);

    public static string Checkpoints(string dataDirectory) => Path.Combine(dataDirectory, "checkpoints");

    public static string Keys(string dataDirectory) => Path.Combine(dataDirectory, "keys");

    /// <summary>Where a consortium member writes the evidence of each alarm it raised (self-contained JSON files).</summary>
    public static string Evidence(string dataDirectory) => Path.Combine(dataDirectory, "consortium", "evidence");
}
