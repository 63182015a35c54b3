namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The type of a transaction, written into every signed transaction. These values are persisted: they must
/// only ever grow (a golden test freezes them); a retired type keeps its number.
/// </summary>
public enum TxType : ushort
{
    Genesis = 1,
    KeyRegistered = 2,
    KeyRevoked = 3,

    /// <summary>Leaf 0 of a consortium network, approved by every founder (ADR 0005).</summary>
    ConsortiumGenesis = 4,

    /// <summary>A proposal to change a consortium's members, keys or quorum (ADR 0008).</summary>
    ConsortiumProposal = 5,

    /// <summary>A member's vote on a consortium proposal (ADR 0008).</summary>
    ConsortiumVote = 6,
    RecordsCommitted = 10,
    PatientErased = 12,
    Anchor = 20,
    CredentialStatus = 30,
}
