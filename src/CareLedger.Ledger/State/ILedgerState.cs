using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.State;

/// <summary>Read-only queries over the applied ledger state; safe to call from any thread.</summary>
public interface ILedgerState
{
    bool TryGetLeafIndex(TxId id, out long leafIndex);

    bool IsPatientErased(ReadOnlySpan<byte> patient);

    /// <summary>Every committed version of a record, oldest first.</summary>
    IReadOnlyList<(long LeafIndex, RecordCommitment Record)> RecordHistory(ReadOnlySpan<byte> recordRef);

    /// <summary>
    /// How many record versions this author committed for patients not erased (and for no patient): what a member's
    /// vault must still hold. Erased patients' versions stay on the ledger as commitments only.
    /// </summary>
    long LiveRecordVersionCount(KeyId author);

    /// <summary>Every registered author key, revoked ones included.</summary>
    IReadOnlyCollection<KeyRecord> Keys { get; }

    /// <summary>A registered author key (revoked or not), or null.</summary>
    KeyRecord? FindKey(KeyId id);

    /// <summary>The latest status of a credential, by the SHA-256 of its id (<see cref="CredentialStatusPayload.HashCredentialId"/>), or null if never issued.</summary>
    CredentialState? FindCredential(ReadOnlySpan<byte> idHash);

    /// <summary>The terms of the consortium network this log belongs to, or null for a single node's log.</summary>
    ConsortiumTerms? Consortium { get; }

    /// <summary>The members whose cosignatures judge a checkpoint of <paramref name="treeSize"/> leaves (empty for a single node's log).</summary>
    IReadOnlyList<MemberRecord> MembersAt(long treeSize);

    /// <summary>The quorum that commits a checkpoint of <paramref name="treeSize"/> leaves (ADR 0008; 1 for a single node's log).</summary>
    int QuorumAt(long treeSize);

    /// <summary>The consortium's members, quorum and open proposals as applied, or null for a single node's log.</summary>
    GovernanceView? Governance { get; }

    /// <summary>The number of log entries applied (the state is a replay of exactly this prefix of the log).</summary>
    long AppliedCount { get; }

    /// <summary>
    /// Grows whenever the state applies (or rolls back) a change to a key record or to a credential's status — what
    /// <see cref="FindKey"/>, <see cref="Keys"/> and <see cref="FindCredential"/> answer — and only then: not for records,
    /// anchors or erasures. It grows after the change is visible to those queries and before the transaction's submitter
    /// is answered, so an answer derived from them and kept with the value read first is stale once the value moves,
    /// never wrong (the door's credential check keeps its valid answers this way).
    /// </summary>
    long KeysAndCredentialsVersion { get; }
}
