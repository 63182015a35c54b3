namespace CareLedger.Ledger.Transactions;

/// <summary>What a <see cref="TxType.CredentialStatus"/> transaction records. Persisted: values only ever grow.</summary>
public enum CredentialStatusKind : byte
{
    /// <summary>A new credential id, first issued.</summary>
    Issued = 1,

    /// <summary>The same credential id re-issued (a new signed credential, usually a later expiry); it replaces the earlier one.</summary>
    Renewed = 2,

    /// <summary>Withdrawn for good: no later status may follow.</summary>
    Revoked = 3,
}
