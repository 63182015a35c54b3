namespace CareLedger.Ledger.Transactions;

/// <summary>Decodes the payload of a transaction according to its type.</summary>
public static class TransactionPayloads
{
    /// <exception cref="InvalidTransactionException">the payload is not the canonical encoding of a valid payload of that type.</exception>
    public static ITransactionPayload Decode(TxType type, ReadOnlySpan<byte> payload) => type switch
    {
        TxType.Genesis => GenesisPayload.Decode(payload),
        TxType.ConsortiumGenesis => ConsortiumGenesisPayload.Decode(payload),
        TxType.ConsortiumProposal => ConsortiumProposalPayload.Decode(payload),
        TxType.ConsortiumVote => ConsortiumVotePayload.Decode(payload),
        TxType.KeyRegistered => KeyRegisteredPayload.Decode(payload),
        TxType.KeyRevoked => KeyRevokedPayload.Decode(payload),
        TxType.RecordsCommitted => RecordsCommittedPayload.Decode(payload),
        TxType.PatientErased => PatientErasedPayload.Decode(payload),
        TxType.Anchor => AnchorPayload.Decode(payload),
        TxType.CredentialStatus => CredentialStatusPayload.Decode(payload),
        _ => throw new InvalidTransactionException(TransactionErrors.UnknownType, $"transaction type {(ushort)type} is unknown"),
    };

    public static ITransactionPayload Decode(Transaction tx) => Decode(tx.Type, tx.Payload.Span);
}
