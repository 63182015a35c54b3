namespace CareLedger.Node;

/// <summary>Where a node keeps its files; one place so the layout is documented once.</summary>
/// <remarks>
/// DATA/keys/       signing keys and the vault keyring (mode 0600)
/// DATA/log/        the append-only segment log (the source of truth)
/// DATA/merkle/     per-level Merkle hash files
/// DATA/state.db    ledger state (a replay of the log)
/// DATA/vault.db    encrypted records and their blind search index
/// DATA/audit.db    the access layer's decisions (pseudonyms, no clinical content), anchored on the ledger
/// DATA/access.db   break-glass openings (reasons encrypted), notifications, delegations
/// DATA/credentials.db  practitioner credentials (status on the ledger)
/// DATA/export/     bulk-export NDJSON files, deleted after expiry
/// DATA/import/     the resume record of imports (hashes of completed files)
/// </remarks>
internal sealed record NodePaths(string DataDirectory)
{
    public string Keys => Path.Combine(DataDirectory, "keys");
    public string Keyring => Path.Combine(Keys, "vault.keyring");
    public string VaultDatabase => Path.Combine(DataDirectory, "vault.db");
    public string AuditDatabase => Path.Combine(DataDirectory, "audit.db");
    public string Export => Path.Combine(DataDirectory, "export");
    public string ImportState => Path.Combine(DataDirectory, "import");
    public string NodeConfig => Path.Combine(DataDirectory, "node.json");

    /// <summary>A node exists once its genesis transaction is in the log.</summary>
    public bool IsInitialised => File.Exists(NodeConfig);

    public static NodePaths For(string dataDirectory) => new(Path.GetFullPath(dataDirectory));
}
