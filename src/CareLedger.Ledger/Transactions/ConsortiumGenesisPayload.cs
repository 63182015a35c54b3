using System.Formats.Cbor;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The first transaction (leaf 0) of a consortium network, approved by every founding member (ADR 0005). Canonical
/// CBOR {1: origin (text), 2: network (text, the JetStream name), 3: quorum (uint), 4: checkpoint every (uint,
/// transactions), 5: checkpoint interval (uint, milliseconds of stream time), 6: [member, ...] sorted by name,
/// 7: [approval, ...] sorted by member name}. Fields 1 to 6 are the <em>terms</em>; each founder approves them by
/// signing <see cref="ApprovalDomain"/> ‖ canonical CBOR of the terms (a map of fields 1 to 6) with its
/// organisation key. The transaction itself is authored by one founder's organisation key.
/// </summary>
public sealed record ConsortiumGenesisPayload(
    string Origin,
    string Network,
    int Quorum,
    int CheckpointEvery,
    int CheckpointIntervalMs,
    IReadOnlyList<FoundingMember> Members,
    IReadOnlyList<GenesisApproval> Approvals) : ITransactionPayload
{
    public const int MaxMembers = 32;
    public const int MaxNetworkLength = 64;
    public const int MaxCheckpointEvery = 1_000_000;
    public const int MaxCheckpointIntervalMs = 60_000;

    /// <summary>Domain separation of an approval signature: no other CareLedger signature covers these bytes.</summary>
    public static ReadOnlySpan<byte> ApprovalDomain => "careledger/consortium-genesis/v1\n"u8;

    private const string Name = "ConsortiumGenesis payload";

    public TxType Type => TxType.ConsortiumGenesis;

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(Problem(), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(7);
        WriteTerms(writer);
        writer.WriteUInt32(7);
        writer.WriteStartArray(Approvals.Count);
        foreach (var approval in Approvals)
        {
            approval.Write(writer);
        }

        writer.WriteEndArray();
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static ConsortiumGenesisPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), genesis => genesis.Encode());
    }

    /// <summary>The terms of a new network, members sorted by name, not yet approved by anyone.</summary>
    public static ConsortiumGenesisPayload Draft(string origin, string network, int quorum, int checkpointEvery, int checkpointIntervalMs, IEnumerable<FoundingMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var draft = new ConsortiumGenesisPayload(origin, network, quorum, checkpointEvery, checkpointIntervalMs, [.. members.OrderBy(m => m.Name, StringComparer.Ordinal)], []);
        FieldRules.ThrowIfProblem(draft.TermsProblem(), Name);
        return draft;
    }

    /// <summary>The genesis transaction, signed by <paramref name="founderOrganisationKey"/>, once every founder approved the terms.</summary>
    public SignedTransaction Seal(AuthorKey founderOrganisationKey, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(founderOrganisationKey);
        if (Members.All(m => m.OrganisationKey != founderOrganisationKey.Id))
        {
            throw new ArgumentException($"key {founderOrganisationKey.Id} is not the organisation key of a founder", nameof(founderOrganisationKey));
        }

        if (MissingApprovals() is { Count: > 0 } missing)
        {
            throw new InvalidOperationException($"the genesis still lacks the approval of {string.Join(", ", missing)}");
        }

        return SignedTransaction.Sign(Transaction.Create(this, founderOrganisationKey.Id, time), founderOrganisationKey);
    }

    /// <summary>The bytes every founder signs: the domain, then the terms (fields 1 to 6) as a canonical CBOR map.</summary>
    public byte[] ApprovalMessage()
    {
        FieldRules.ThrowIfProblem(TermsProblem(), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(6);
        WriteTerms(writer);
        writer.WriteEndMap();
        return [.. ApprovalDomain, .. writer.Encode()];
    }

    /// <summary>This payload with <paramref name="member"/>'s approval added (replacing an earlier one of the same member).</summary>
    public ConsortiumGenesisPayload WithApproval(string member, AuthorKey organisationKey)
    {
        ArgumentNullException.ThrowIfNull(organisationKey);
        var founder = Members.FirstOrDefault(m => m.Name == member)
            ?? throw new ArgumentException($"'{member}' is not a member of this genesis", nameof(member));
        if (founder.OrganisationKey != organisationKey.Id)
        {
            throw new ArgumentException($"the key {organisationKey.Id} is not the organisation key of member '{member}' ({founder.OrganisationKey})", nameof(organisationKey));
        }

        var approval = new GenesisApproval(member, organisationKey.Sign(ApprovalMessage()));
        return this with
        {
            Approvals = [.. Approvals.Where(a => a.Member != member).Append(approval).OrderBy(a => a.Member, StringComparer.Ordinal)],
        };
    }

    /// <summary>The founders whose valid approval is missing, in name order (empty when the genesis may be sealed).</summary>
    public IReadOnlyList<string> MissingApprovals()
    {
        var message = ApprovalMessage();
        return [.. Members
            .Where(m => Approvals.FirstOrDefault(a => a.Member == m.Name) is not { } approval
                        || !AuthorSignature.Verify(m.OrganisationKeySpki, message, approval.Signature))
            .Select(m => m.Name)];
    }

    /// <summary>The member set this genesis founds, as the cosignature collector and detector see it.</summary>
    public IReadOnlyList<Consortium.ConsortiumMember> CosignerSet() =>
        [.. Members.Select(m => new Consortium.ConsortiumMember(m.Name, VerifierKey.Parse(m.CosignerVerifierKey)))];

    /// <summary>A network name: it becomes a subject token and part of a stream name.</summary>
    public static string? NetworkProblem(string network) =>
        network.Length is 0 or > MaxNetworkLength || !network.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_')
            ? $"network name '{network}' must be 1 to {MaxNetworkLength} of a-z, 0-9, '-' and '_'"
            : null;

    private void WriteTerms(CborWriter writer)
    {
        writer.WriteUInt32(1);
        writer.WriteTextString(Origin);
        writer.WriteUInt32(2);
        writer.WriteTextString(Network);
        writer.WriteUInt32(3);
        writer.WriteUInt32((uint)Quorum);
        writer.WriteUInt32(4);
        writer.WriteUInt32((uint)CheckpointEvery);
        writer.WriteUInt32(5);
        writer.WriteUInt32((uint)CheckpointIntervalMs);
        writer.WriteUInt32(6);
        writer.WriteStartArray(Members.Count);
        foreach (var member in Members)
        {
            member.Write(writer);
        }

        writer.WriteEndArray();
    }

    private static ConsortiumGenesisPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 7, 7);
        CanonicalCbor.ExpectKey(reader, 1, Name, "origin");
        var origin = CanonicalCbor.ReadText(reader, Name, "origin", GenesisPayload.MaxOriginLength);
        CanonicalCbor.ExpectKey(reader, 2, Name, "network");
        var network = CanonicalCbor.ReadText(reader, Name, "network", MaxNetworkLength);
        CanonicalCbor.ExpectKey(reader, 3, Name, "quorum");
        var quorum = CanonicalCbor.ReadUInt(reader, Name, "quorum");
        CanonicalCbor.ExpectKey(reader, 4, Name, "checkpoint every");
        var every = CanonicalCbor.ReadUInt(reader, Name, "checkpoint every");
        CanonicalCbor.ExpectKey(reader, 5, Name, "checkpoint interval");
        var interval = CanonicalCbor.ReadUInt(reader, Name, "checkpoint interval");
        CanonicalCbor.ExpectKey(reader, 6, Name, "members");
        var members = new FoundingMember[CanonicalCbor.ReadArrayStart(reader, Name, 1, MaxMembers)];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = FoundingMember.Read(reader, data);
        }

        reader.ReadEndArray();
        CanonicalCbor.ExpectKey(reader, 7, Name, "approvals");
        var approvals = new GenesisApproval[CanonicalCbor.ReadArrayStart(reader, Name, 0, MaxMembers)];
        for (var i = 0; i < approvals.Length; i++)
        {
            approvals[i] = GenesisApproval.Read(reader, data);
        }

        reader.ReadEndArray();
        reader.ReadEndMap();
        if (quorum > MaxMembers || every > MaxCheckpointEvery || interval > MaxCheckpointIntervalMs)
        {
            throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{Name}: quorum, checkpoint every or checkpoint interval is out of range");
        }

        var genesis = new ConsortiumGenesisPayload(origin, network, (int)quorum, (int)every, (int)interval, members, approvals);
        FieldRules.RejectIfProblem(genesis.Problem(), Name);
        return genesis;
    }

    private string? Problem() => TermsProblem() ?? ApprovalsProblem();

    private string? TermsProblem()
    {
        var problem = GenesisPayload.OriginProblem(Origin) ?? NetworkProblem(Network);
        if (problem is not null)
        {
            return problem;
        }

        if (Members.Count is 0 or > MaxMembers)
        {
            return $"1 to {MaxMembers} members are allowed, not {Members.Count}";
        }

        if (Quorum < 1 || Quorum > Members.Count)
        {
            return $"the quorum must be 1 to {Members.Count} (the number of members), not {Quorum}";
        }

        if (CheckpointEvery is < 1 or > MaxCheckpointEvery || CheckpointIntervalMs is < 1 or > MaxCheckpointIntervalMs)
        {
            return $"checkpoint every must be 1 to {MaxCheckpointEvery} transactions and the interval 1 to {MaxCheckpointIntervalMs} ms";
        }

        for (var i = 0; i < Members.Count; i++)
        {
            if (Members[i].Problem() is { } memberProblem)
            {
                return $"member {i + 1}: {memberProblem}";
            }

            if (i > 0 && string.CompareOrdinal(Members[i - 1].Name, Members[i].Name) >= 0)
            {
                return "members must be sorted by name, each name once";
            }
        }

        var authorKeys = Members.SelectMany(m => new[] { m.OrganisationKey, m.NodeKey }).ToArray();
        if (authorKeys.Distinct().Count() != authorKeys.Length)
        {
            return "an author key appears twice (every organisation and node key must be distinct)";
        }

        var cosigners = Members.Select(m => VerifierKey.Parse(m.CosignerVerifierKey)).ToArray();
        return cosigners.Select(k => (k.Name, k.KeyId)).Distinct().Count() != cosigners.Length
            ? "two members share a cosigner key name and id"
            : null;
    }

    private string? ApprovalsProblem()
    {
        if (Approvals.Count > Members.Count)
        {
            return "more approvals than members";
        }

        for (var i = 0; i < Approvals.Count; i++)
        {
            if (Members.All(m => m.Name != Approvals[i].Member))
            {
                return $"approval {i + 1} is by '{Approvals[i].Member}', who is not a member";
            }

            if (i > 0 && string.CompareOrdinal(Approvals[i - 1].Member, Approvals[i].Member) >= 0)
            {
                return "approvals must be sorted by member name, one per member";
            }
        }

        return null;
    }
}

/// <summary>
/// A founding member, canonical CBOR {1: name (text, a key name: printable ASCII without spaces or '+'),
/// 2: organisation name (text), 3: organisation key (SPKI DER, ECDSA P-256), 4: node key (SPKI DER, ECDSA P-256),
/// 5: cosigner verifier key (vkey, type 0x04)}.
/// </summary>
public sealed record FoundingMember(string Name, string OrganisationName, byte[] OrganisationKeySpki, byte[] NodeKeySpki, string CosignerVerifierKey)
{
    private const string Context = "consortium member";

    public KeyId OrganisationKey => KeyId.FromSpki(OrganisationKeySpki);

    public KeyId NodeKey => KeyId.FromSpki(NodeKeySpki);

    /// <summary>The label of the member's node key on the ledger.</summary>
    public string NodeKeyLabel => Name + " node";

    internal void Write(CborWriter writer)
    {
        FieldRules.ThrowIfProblem(Problem(), Context);
        writer.WriteStartMap(5);
        writer.WriteUInt32(1);
        writer.WriteTextString(Name);
        writer.WriteUInt32(2);
        writer.WriteTextString(OrganisationName);
        writer.WriteUInt32(3);
        writer.WriteByteString(OrganisationKeySpki);
        writer.WriteUInt32(4);
        writer.WriteByteString(NodeKeySpki);
        writer.WriteUInt32(5);
        writer.WriteTextString(CosignerVerifierKey);
        writer.WriteEndMap();
    }

    internal static FoundingMember Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Context, 5, 5);
        CanonicalCbor.ExpectKey(reader, 1, Context, "name");
        var name = CanonicalCbor.ReadText(reader, Context, "name", GenesisPayload.MaxOriginLength);
        CanonicalCbor.ExpectKey(reader, 2, Context, "organisation name");
        var organisation = CanonicalCbor.ReadText(reader, Context, "organisation name", GenesisPayload.MaxOrganisationNameLength);
        CanonicalCbor.ExpectKey(reader, 3, Context, "organisation key");
        var organisationKey = CanonicalCbor.ReadBytes(reader, data, Context, "organisation key", 1, KeyRegisteredPayload.MaxSpkiLength);
        CanonicalCbor.ExpectKey(reader, 4, Context, "node key");
        var nodeKey = CanonicalCbor.ReadBytes(reader, data, Context, "node key", 1, KeyRegisteredPayload.MaxSpkiLength);
        CanonicalCbor.ExpectKey(reader, 5, Context, "cosigner key");
        var cosigner = CanonicalCbor.ReadText(reader, Context, "cosigner key", 512);
        reader.ReadEndMap();
        var member = new FoundingMember(name, organisation, organisationKey.ToArray(), nodeKey.ToArray(), cosigner);
        FieldRules.RejectIfProblem(member.Problem(), Context);
        return member;
    }

    /// <summary>What makes this member unusable in a genesis (a bad name, key or label), or null.</summary>
    public string? Problem()
    {
        var problem = GenesisPayload.OriginProblem(Name) is { } nameProblem ? "name: " + nameProblem : null;
        problem ??= GenesisPayload.OrganisationNameProblem(OrganisationName);
        problem ??= AuthorSignature.IsValidPublicKey(OrganisationKeySpki) ? null : "the organisation key is not an ECDSA P-256 SubjectPublicKeyInfo";
        problem ??= AuthorSignature.IsValidPublicKey(NodeKeySpki) ? null : "the node key is not an ECDSA P-256 SubjectPublicKeyInfo";
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            var key = VerifierKey.Parse(CosignerVerifierKey);
            return key.SignatureType == NoteSignatureType.CosignatureV1 ? null : $"the cosigner key must have signature type 0x04, not 0x{key.SignatureType:x2}";
        }
        catch (FormatException e)
        {
            return "cosigner key: " + e.Message;
        }
    }
}

/// <summary>A founder's approval of the genesis terms, canonical CBOR {1: member name (text), 2: ECDSA P-256 signature (64 bytes, r ‖ s)}.</summary>
public sealed record GenesisApproval(string Member, byte[] Signature)
{
    private const string Context = "genesis approval";

    internal void Write(CborWriter writer)
    {
        FieldRules.ThrowIfProblem(FieldRules.BytesProblem(Signature, "signature", AuthorSignature.SignatureLength, AuthorSignature.SignatureLength), Context);
        writer.WriteStartMap(2);
        writer.WriteUInt32(1);
        writer.WriteTextString(Member);
        writer.WriteUInt32(2);
        writer.WriteByteString(Signature);
        writer.WriteEndMap();
    }

    internal static GenesisApproval Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Context, 2, 2);
        CanonicalCbor.ExpectKey(reader, 1, Context, "member");
        var member = CanonicalCbor.ReadText(reader, Context, "member", GenesisPayload.MaxOriginLength);
        CanonicalCbor.ExpectKey(reader, 2, Context, "signature");
        var signature = CanonicalCbor.ReadBytes(reader, data, Context, "signature", AuthorSignature.SignatureLength, AuthorSignature.SignatureLength);
        reader.ReadEndMap();
        return new GenesisApproval(member, signature.ToArray());
    }
}
