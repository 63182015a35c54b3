namespace CareLedger.Vault.Storage;

/// <summary>A stored record version with everything needed to open it.</summary>
internal sealed record SealedRow(
    RecordAddress Address,
    CompartmentRow Compartment,
    bool Deleted,
    long LastUpdatedUnixMs,
    long Format,
    byte[] Nonce,
    byte[] Ciphertext,
    byte[] Tag);
