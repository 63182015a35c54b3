using CareLedger.Storage;
using CareLedger.Vault.Keys;

namespace CareLedger.Vault;

/// <summary>Where the vault lives (a SQLite file, or the node's PostgreSQL schema) and which key provider protects it.</summary>
public sealed record VaultOptions(string DatabasePath, IKeyEncryptionKeyProvider KeyProvider)
{
    /// <summary>Keeps the vault in this PostgreSQL schema instead of the SQLite file at <see cref="DatabasePath"/>
    /// (docs/adr/0006); the keyring stays a file either way.</summary>
    public PostgresStore? Postgres { get; init; }

    /// <summary>Stamps LastUpdated when a stage request does not give one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Unwrapped data keys kept in memory (one per recently used compartment).</summary>
    public int DataKeyCacheCapacity { get; init; } = 1024;

    /// <summary>Read connections kept open between calls.</summary>
    public int MaxIdleReaders { get; init; } = 8;

    /// <summary>How long a SQLite session waits for a lock.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest resource accepted by Stage.</summary>
    public int MaxContentBytes { get; init; } = 32 * 1024 * 1024;
}
