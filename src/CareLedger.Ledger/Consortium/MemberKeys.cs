using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>The member set in force, looked up by the key name and key id that a signature line carries.</summary>
internal sealed class MemberKeys
{
    private readonly Dictionary<(string KeyName, uint KeyId), ConsortiumMember> byKey = [];

    public MemberKeys(IReadOnlyList<ConsortiumMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count == 0)
            throw new ArgumentException("The member set is empty.", nameof(members));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (member is null || string.IsNullOrWhiteSpace(member.Name) || member.CosignerKey is null)
                throw new ArgumentException("Every member needs a name and a cosigner key.", nameof(members));
            if (member.CosignerKey.SignatureType != NoteSignatureType.CosignatureV1)
                throw new ArgumentException($"Member '{member.Name}' has a key of type 0x{member.CosignerKey.SignatureType:x2}; checkpoints are cosigned with type 0x04 (cosignature/v1).", nameof(members));
            if (!names.Add(member.Name))
                throw new ArgumentException($"Member '{member.Name}' appears twice.", nameof(members));
            if (!byKey.TryAdd((member.CosignerKey.Name, member.CosignerKey.KeyId), member))
                throw new ArgumentException($"Key {member.CosignerKey.Name}+{member.CosignerKey.KeyId:x8} belongs to two members.", nameof(members));
        }

        Count = members.Count;
    }

    public int Count { get; }

    public ConsortiumMember? Find(NoteSignature signature) =>
        byKey.GetValueOrDefault((signature.KeyName, signature.KeyId));
}
