namespace CareLedger.Vault.Keys;

/// <summary>The keyed-hash secrets a key provider holds; one independent key per purpose.</summary>
public enum VaultSecretPurpose
{
    /// <summary>RecordRef = HMAC-SHA256(secret, "type/id"): the opaque record name on the ledger.</summary>
    RecordReference = 1,

    /// <summary>Finds a patient's compartment without storing the patient id.</summary>
    PatientLookup = 2,

    /// <summary>Blind search tokens for sensitive values and references.</summary>
    BlindIndex = 3,
}
