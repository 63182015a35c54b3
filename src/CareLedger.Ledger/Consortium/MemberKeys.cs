using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>The member set in force, looked up by the key name and key id that a signature line carries.</summary>
internal sealed class MemberKeys
{
    /// <summary>No member: every signature is unknown (a size before any member was in force, such as 0).</summary>
    private static readonly MemberKeys None = new();

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

    private MemberKeys()
    {
    }

    public int Count { get; }

    /// <summary>
    /// The keys of the set that <paramref name="membersAt"/> gives for each size, built once per distinct set (sets
    /// change only by governance, so nearly every lookup is the previous set again).
    /// </summary>
    public static Func<long, (MemberKeys Keys, int Quorum)> PerSize(Func<long, ConsortiumMemberSet> membersAt)
    {
        ArgumentNullException.ThrowIfNull(membersAt);
        var cache = new Dictionary<string, (MemberKeys, int)>(StringComparer.Ordinal);
        return size =>
        {
            var set = membersAt(size);
            if (set.Members.Count == 0)
                return (None, int.MaxValue);
            var key = set.Quorum.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"
                + string.Join("\n", set.Members.Select(m => m.Name + " " + m.CosignerKey.ToVkey()));
            lock (cache)
            {
                if (!cache.TryGetValue(key, out var keys))
                {
                    var members = new MemberKeys(set.Members);
                    if (set.Quorum < 1 || set.Quorum > members.Count)
                        throw new ArgumentOutOfRangeException(nameof(membersAt), set.Quorum, $"A quorum is between 1 and the {members.Count} members (tree size {size}).");
                    keys = (members, set.Quorum);
                    cache.Add(key, keys);
                }

                return keys;
            }
        };
    }

    public ConsortiumMember? Find(NoteSignature signature) =>
        byKey.GetValueOrDefault((signature.KeyName, signature.KeyId));
}
