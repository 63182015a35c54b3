namespace CareLedger.Vault;

/// <summary>
/// One committed record version as the vault opened it: decrypted content (null for a delete), the compartment it is
/// sealed in and its version metadata. Internal: only the access layer (the door) may hold decrypted records.
/// </summary>
/// <param name="Patient">The compartment's pseudonym (16 bytes); null for the organisation's compartment.</param>
/// <param name="Content">The resource bytes; null when this version is a delete. The holder zeroes them when done.</param>
internal sealed record OpenedRecord(RecordAddress Address, byte[]? Patient, bool Deleted, long LastUpdatedUnixMs, byte[]? Content)
{
    public DateTimeOffset LastUpdated => DateTimeOffset.FromUnixTimeMilliseconds(LastUpdatedUnixMs);
}
