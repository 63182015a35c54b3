using CareLedger.Ledger.Transactions;
using CareLedger.Vault.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Storage;

/// <summary>
/// One resource version to write: a create or update (<see cref="Resource"/> set, id already assigned, references
/// resolved) or a delete (<see cref="Resource"/> null). <see cref="CurrentVersion"/> is the version the write
/// replaces (0 for a new resource); the vault refuses the write if another one got there first.
/// </summary>
public sealed record ResourceWrite(string ResourceType, string Id, Resource? Resource, int CurrentVersion, string? PatientId)
{
    public bool IsDelete => Resource is null;

    public RecordOperation Operation => IsDelete ? RecordOperation.Delete : CurrentVersion == 0 ? RecordOperation.Create : RecordOperation.Update;

    /// <summary>Index entries (extracted before the write so that searches inside a transaction can see them).</summary>
    public IReadOnlyList<IndexEntry> Index { get; init; } = [];
}

/// <summary>A write as committed: its version, time, and the ledger transaction that carries its commitment.</summary>
public sealed record CommittedWrite(ResourceWrite Write, int Version, DateTimeOffset LastUpdated, TxId TxId, long LeafIndex);

/// <summary>The state of a resource's latest committed version.</summary>
public sealed record ResourceHead(string ResourceType, string Id, int Version, bool Deleted, DateTimeOffset LastUpdated, byte[]? TxId);
