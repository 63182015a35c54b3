using CareLedger.Vault.Search;

namespace CareLedger.Vault;

/// <summary>
/// One record version to stage. <see cref="PatientId"/> selects the encryption compartment (null: the organisation's).
/// <see cref="LastUpdated"/> should equal the resource's meta.lastUpdated (default: the vault's clock now).
/// </summary>
public sealed record StageRequest(RecordAddress Address, string? PatientId, ReadOnlyMemory<byte> Content, IReadOnlyList<IndexEntry> Index)
{
    /// <summary>A delete: no content and no index entries; a committed version like any other.</summary>
    public bool Deleted { get; init; }

    public DateTimeOffset? LastUpdated { get; init; }

    /// <summary>
    /// <see cref="Index"/> already checked and hashed by <see cref="Vault.PrepareIndex"/> of the same vault from this same
    /// list (e.g. where the caller prepares the resource, in parallel): the stage then stores these rows without doing that
    /// work again. Null: the stage does it. One prepared from another list or vault is refused.
    /// </summary>
    public PreparedIndex? PreparedIndex { get; init; }

    public static StageRequest Delete(RecordAddress address, string? patientId, DateTimeOffset? lastUpdated = null) =>
        new(address, patientId, ReadOnlyMemory<byte>.Empty, []) { Deleted = true, LastUpdated = lastUpdated };
}
