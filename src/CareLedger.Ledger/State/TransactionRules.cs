using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.State;

/// <summary>
/// The deterministic, stateful rules that a transaction must pass before it is given a leaf. They read the
/// applied state plus an overlay of the transactions accepted earlier in the same batch (not yet applied), so
/// that a batch is judged exactly as if its transactions had been applied one by one. Single-threaded: owned
/// by the sequencer (or by a verifier's replay). <see cref="Clear"/> once the batch is applied.
/// </summary>
internal sealed class TransactionRules(LedgerState state)
{
    private readonly Dictionary<TxId, (long LeafIndex, byte[] LeafHash)> pendingIds = [];
    private readonly Dictionary<KeyId, KeyRecord> pendingKeys = [];
    private readonly Dictionary<byte[], uint> pendingVersions = new(ByteArrayComparer.Instance);
    private readonly HashSet<byte[]> pendingErased = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], CredentialState> pendingCredentials = new(ByteArrayComparer.Instance);
    private readonly HashSet<TxId> prefetched = [];
    private Dictionary<TxId, (long LeafIndex, byte[] LeafHash)>? applied;
    private ConsortiumGovernance? pendingGovernance;

    /// <summary>
    /// Looks up, in one query where the state can (PostgreSQL), which of the batch's transaction ids were applied
    /// before, so that <see cref="Check"/> need not ask the state once per transaction. Until <see cref="Clear"/>.
    /// </summary>
    public void Prefetch(IReadOnlyCollection<TxId> ids)
    {
        applied = state.FindTransactions(ids);
        if (applied is not null)
        {
            prefetched.UnionWith(ids);
        }
    }

    /// <summary>
    /// Judges <paramref name="signed"/> as the transaction at <paramref name="leafIndex"/>; when accepted, the
    /// overlay records it, so the caller must then append it at exactly that leaf.
    /// </summary>
    public RuleVerdict Check(SignedTransaction signed, ITransactionPayload payload, byte[] leafHash, long leafIndex)
    {
        var tx = signed.Transaction;
        var earlier = pendingIds.TryGetValue(tx.Id, out var pending) ? pending
            : prefetched.Contains(tx.Id) ? (applied!.TryGetValue(tx.Id, out var found) ? found : null)
            : state.FindTransaction(tx.Id);
        if (earlier is { } seen)
        {
            return seen.LeafHash.AsSpan().SequenceEqual(leafHash)
                ? RuleVerdict.AlreadyApplied(seen.LeafIndex, seen.LeafHash)
                : RuleVerdict.Rejected(RejectionCodes.ConflictingReplay, $"transaction id {tx.Id} was already used, at leaf {seen.LeafIndex}, by a different transaction");
        }

        var problem = payload switch
        {
            GenesisPayload genesis => CheckGenesis(tx, genesis, leafIndex),
            ConsortiumGenesisPayload consortium => CheckConsortiumGenesis(tx, consortium, leafIndex),
            _ => CheckAuthored(tx, payload, leafIndex),
        };
        if (problem is not null)
        {
            return problem.Value;
        }

        pendingIds[tx.Id] = (leafIndex, leafHash);
        return RuleVerdict.Accepted(leafIndex);
    }

    /// <summary>
    /// The key that must have signed <paramref name="tx"/> as of the next leaf (the overlay, then the state), or for a
    /// genesis the organisation key it registers itself; null when the author is unknown.
    /// </summary>
    public byte[]? AuthorPublicKey(Transaction tx, ITransactionPayload payload) => payload switch
    {
        GenesisPayload genesis => genesis.Keys.FirstOrDefault(k => k.Key == tx.Author)?.PublicKeySpki,
        ConsortiumGenesisPayload network => network.Members.FirstOrDefault(m => m.OrganisationKey == tx.Author)?.OrganisationKeySpki,
        _ => FindKey(tx.Author)?.PublicKeySpki,
    };

    /// <summary>Forgets the overlay: the batch it described is now applied to the state.</summary>
    public void Clear()
    {
        prefetched.Clear();
        applied = null;
        pendingIds.Clear();
        pendingKeys.Clear();
        pendingVersions.Clear();
        pendingErased.Clear();
        pendingCredentials.Clear();
        pendingGovernance = null;
    }

    private RuleVerdict? CheckGenesis(Transaction tx, GenesisPayload genesis, long leafIndex)
    {
        if (leafIndex != 0)
        {
            return RuleVerdict.Rejected(RejectionCodes.GenesisExists, $"a log has one genesis, at leaf 0; this one would be leaf {leafIndex}");
        }

        if (tx.Author != genesis.OrganisationKey.Key)
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, "genesis must be signed by the organisation key that it registers");
        }

        foreach (var key in genesis.Keys)
        {
            pendingKeys[key.Key] = new KeyRecord(key.Key, key.PublicKeySpki, key.Role, key.Label, leafIndex, null);
        }

        return null;
    }

    /// <summary>
    /// A consortium's leaf 0: authored by a founder's organisation key and approved by every founder (ADR 0005); it
    /// registers each member's organisation and node keys.
    /// </summary>
    private RuleVerdict? CheckConsortiumGenesis(Transaction tx, ConsortiumGenesisPayload genesis, long leafIndex)
    {
        if (leafIndex != 0)
        {
            return RuleVerdict.Rejected(RejectionCodes.GenesisExists, $"a log has one genesis, at leaf 0; this one would be leaf {leafIndex}");
        }

        if (genesis.Members.All(m => m.OrganisationKey != tx.Author))
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, "a consortium genesis must be signed by the organisation key of one of its founders");
        }

        if (genesis.MissingApprovals() is { Count: > 0 } missing)
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"the genesis lacks a valid approval by {string.Join(", ", missing)}");
        }

        // Proposals and votes later in the same batch (a replay) are judged by the governance this genesis founds.
        pendingGovernance = ConsortiumGovernance.Founded(genesis);
        foreach (var member in genesis.Members)
        {
            pendingKeys[member.OrganisationKey] = new KeyRecord(member.OrganisationKey, member.OrganisationKeySpki, KeyRoles.Organisation, member.OrganisationName, leafIndex, null);
            pendingKeys[member.NodeKey] = new KeyRecord(member.NodeKey, member.NodeKeySpki, KeyRoles.Node, member.NodeKeyLabel, leafIndex, null);
        }

        return null;
    }

    private RuleVerdict? CheckAuthored(Transaction tx, ITransactionPayload payload, long leafIndex)
    {
        if (leafIndex == 0)
        {
            return RuleVerdict.Rejected(RejectionCodes.NoGenesis, "the log is empty: its first transaction must be the genesis");
        }

        var author = FindKey(tx.Author);
        if (author is null)
        {
            return RuleVerdict.Rejected(RejectionCodes.UnknownAuthor, $"author key {tx.Author} is not registered");
        }

        if (author.IsRevoked)
        {
            return RuleVerdict.Rejected(RejectionCodes.RevokedAuthor, $"author key {tx.Author} was revoked at leaf {author.RevokedLeaf}");
        }

        return payload switch
        {
            KeyRegisteredPayload registered => CheckKeyRegistered(author, registered, leafIndex),
            KeyRevokedPayload revoked => CheckKeyRevoked(author, revoked, leafIndex),
            RecordsCommittedPayload committed => CheckRecordsAuthor(author, committed) ?? CheckRecords(committed),
            PatientErasedPayload erased => CheckErasure(erased),
            AnchorPayload => null,
            CredentialStatusPayload status => CheckCredentialStatus(tx, author, status, leafIndex),
            ConsortiumProposalPayload or ConsortiumVotePayload => CheckGovernance(tx, payload, leafIndex),
            _ => RuleVerdict.Rejected(RejectionCodes.BadPayload, $"{tx.Type} transactions are not accepted after genesis"),
        };
    }

    /// <summary>
    /// A proposal or vote (ADR 0008), judged by the consortium's governance as the batch has changed it so far; when
    /// accepted it is applied to that overlay, with the keys an executed proposal registers or revokes.
    /// </summary>
    private RuleVerdict? CheckGovernance(Transaction tx, ITransactionPayload payload, long leafIndex)
    {
        var governance = pendingGovernance ??= state.AppliedGovernance?.Clone();
        if (governance is null)
        {
            return RuleVerdict.Rejected(RejectionCodes.BadPayload, $"{tx.Type} transactions exist only in a consortium network");
        }

        bool Registered(KeyId id) => FindKey(id) is not null;
        if (governance.Check(tx.Author, payload, leafIndex, Registered) is { } refused)
        {
            return refused;
        }

        if (governance.Apply(tx.Id, tx.Author, payload, leafIndex, Registered) is { } execution)
        {
            var (register, revoke) = execution.KeyChanges(FindKey);
            foreach (var id in revoke)
            {
                pendingKeys[id] = FindKey(id)! with { RevokedLeaf = leafIndex };
            }

            foreach (var key in register)
            {
                pendingKeys[key.Key] = new KeyRecord(key.Key, key.PublicKeySpki, key.Role, key.Label, leafIndex, null);
            }
        }

        return null;
    }

    private RuleVerdict? CheckKeyRegistered(KeyRecord author, KeyRegisteredPayload registered, long leafIndex)
    {
        if (author.Role != KeyRoles.Organisation)
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"only the organisation key may register keys; the author has role '{author.Role}'");
        }

        if (registered.Role == KeyRoles.Organisation)
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, "an organisation key is registered only by genesis");
        }

        if (KeyRoles.IsPersonal(registered.Role) && KeyLabels.PseudonymOf(registered.Label) is null)
        {
            return RuleVerdict.Rejected(RejectionCodes.BadPayload, KeyRoles.IsBoundToPatient(registered.Role)
                ? $"a {registered.Role} key is bound to one patient: its label must be '{KeyLabels.PseudonymPrefix}' and 32 lowercase hex digits"
                : $"a {registered.Role} key is a person's: its label must be their pseudonym, '{KeyLabels.PseudonymPrefix}' and 32 lowercase hex digits, never a name");
        }

        var id = registered.Key;
        if (FindKey(id) is not null)
        {
            return RuleVerdict.Rejected(RejectionCodes.KeyExists, $"key {id} is already registered");
        }

        pendingKeys[id] = new KeyRecord(id, registered.PublicKeySpki, registered.Role, registered.Label, leafIndex, null);
        return null;
    }

    private RuleVerdict? CheckKeyRevoked(KeyRecord author, KeyRevokedPayload revoked, long leafIndex)
    {
        if (author.Role != KeyRoles.Organisation)
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"only the organisation key may revoke keys; the author has role '{author.Role}'");
        }

        var target = FindKey(revoked.Key);
        if (target is null)
        {
            return RuleVerdict.Rejected(RejectionCodes.UnknownKey, $"key {revoked.Key} is not registered");
        }

        if (target.IsRevoked)
        {
            return RuleVerdict.Rejected(RejectionCodes.AlreadyRevoked, $"key {revoked.Key} was already revoked at leaf {target.RevokedLeaf}");
        }

        if (target.Role == KeyRoles.Organisation)
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, "the organisation key cannot be revoked (key rotation is a governance change)");
        }

        pendingKeys[target.Id] = target with { RevokedLeaf = leafIndex };
        return null;
    }

    /// <summary>The node commits any records; a patient or delegate key only its own patient's (the pseudonym its label binds).</summary>
    private static RuleVerdict? CheckRecordsAuthor(KeyRecord author, RecordsCommittedPayload committed)
    {
        if (author.Role == KeyRoles.Node)
        {
            return null;
        }

        if (!KeyRoles.IsBoundToPatient(author.Role))
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"records are committed by the node, a patient or a delegate key; the author has role '{author.Role}'");
        }

        var bound = KeyLabels.PseudonymOf(author.Label);
        for (var i = 0; i < committed.Records.Count; i++)
        {
            if (bound is null || committed.Records[i].Patient is not { } patient || !patient.AsSpan().SequenceEqual(bound))
            {
                return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"record {i}: a {author.Role} key may commit only records of the patient it is bound to");
            }
        }

        return null;
    }

    private RuleVerdict? CheckRecords(RecordsCommittedPayload committed)
    {
        // Judged record by record as if applied in order; the overlay changes only if all of them pass.
        var versions = new Dictionary<byte[], uint>(ByteArrayComparer.Instance);
        for (var i = 0; i < committed.Records.Count; i++)
        {
            var record = committed.Records[i];
            if (record.Patient is { } patient && IsErased(patient))
            {
                return RuleVerdict.Rejected(RejectionCodes.PatientErased, $"record {i}: its patient was erased; nothing more may be committed for them");
            }

            var previous = versions.TryGetValue(record.RecordRef, out var local) ? local
                : pendingVersions.TryGetValue(record.RecordRef, out var batched) ? batched
                : state.LatestVersion(record.RecordRef);
            var problem = (record.Operation, previous) switch
            {
                (RecordOperation.Create, > 0) => $"record {i}: Create of a record that already has version {previous}",
                (not RecordOperation.Create, 0) => $"record {i}: {record.Operation} of a record that does not exist (its first version must be a Create)",
                _ when record.Version != previous + 1 => $"record {i}: version {record.Version} does not follow the current version {previous}",
                _ => null,
            };
            if (problem is not null)
            {
                return RuleVerdict.Rejected(RejectionCodes.VersionConflict, problem);
            }

            versions[record.RecordRef] = record.Version;
        }

        foreach (var (recordRef, version) in versions)
        {
            pendingVersions[recordRef] = version;
        }

        return null;
    }

    private RuleVerdict? CheckErasure(PatientErasedPayload erased)
    {
        if (IsErased(erased.Patient))
        {
            return RuleVerdict.Rejected(RejectionCodes.AlreadyErased, "this patient is already erased");
        }

        pendingErased.Add(erased.Patient);
        return null;
    }

    private RuleVerdict? CheckCredentialStatus(Transaction tx, KeyRecord author, CredentialStatusPayload status, long leafIndex)
    {
        if (author.Role != KeyRoles.CredentialIssuer)
        {
            return RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"only a {KeyRoles.CredentialIssuer} key records credential status; the author has role '{author.Role}'");
        }

        var current = FindCredential(status.CredentialIdHash);
        var problem = (status.Status, current) switch
        {
            (CredentialStatusKind.Issued, { } issued) =>
                RuleVerdict.Rejected(RejectionCodes.CredentialExists, $"this credential id was already issued (latest status at leaf {issued.Leaf})"),
            (CredentialStatusKind.Issued, null) => (RuleVerdict?)null,
            (_, null) => RuleVerdict.Rejected(RejectionCodes.UnknownCredential, $"{status.Status} of a credential id that was never issued"),
            (_, { } existing) when existing.IssuerKey != tx.Author =>
                RuleVerdict.Rejected(RejectionCodes.NotAuthorised, $"the credential was issued by key {existing.IssuerKey}; only that key may renew or revoke it"),
            (CredentialStatusKind.Revoked, { IsRevoked: true } revoked) =>
                RuleVerdict.Rejected(RejectionCodes.AlreadyRevoked, $"the credential was already revoked at leaf {revoked.Leaf}"),
            (_, { IsRevoked: true } revoked) =>
                RuleVerdict.Rejected(RejectionCodes.CredentialRevoked, $"the credential was revoked at leaf {revoked.Leaf}; a revoked credential cannot be renewed"),
            (CredentialStatusKind.Revoked, { } existing) when !existing.Digest.AsSpan().SequenceEqual(status.CredentialDigest) || existing.ValidUntilUnixMs != status.ValidUntilUnixMs =>
                RuleVerdict.Rejected(RejectionCodes.BadPayload, "a revocation must repeat the digest and valid-until of the credential's latest issue or renewal"),
            _ => null,
        };
        if (problem is not null)
        {
            return problem;
        }

        if (status.Status != CredentialStatusKind.Revoked && status.ValidUntilUnixMs <= tx.Time.ToUnixTimeMilliseconds())
        {
            return RuleVerdict.Rejected(RejectionCodes.BadPayload, $"valid until {status.ValidUntil:O} is not after the transaction's time {tx.Time:O}");
        }

        pendingCredentials[status.CredentialIdHash] = CredentialTransitions.Next(current, status, tx.Author, leafIndex);
        return null;
    }

    private CredentialState? FindCredential(byte[] idHash) =>
        pendingCredentials.TryGetValue(idHash, out var pending) ? pending : state.FindCredentialForRules(idHash);

    private KeyRecord? FindKey(KeyId id) => pendingKeys.TryGetValue(id, out var key) ? key : state.FindKey(id);

    private bool IsErased(byte[] patient) => pendingErased.Contains(patient) || state.IsErased(patient);
}
