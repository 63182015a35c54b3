using System.Formats.Cbor;
using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The first transaction of a log (leaf 0), self-authorised by the organisation key it registers:
/// canonical CBOR {1: origin (text, the checkpoint origin line), 2: organisation name (text), 3: [key registration, ...],
/// 4: the log's checkpoint verifier key (vkey, type 0x01), 5: the node's cosigner verifier key (vkey, type 0x04)}.
/// </summary>
public sealed record GenesisPayload(string Origin, string OrganisationName, IReadOnlyList<KeyRegisteredPayload> Keys,
                                    string LogVerifierKey, string CosignerVerifierKey) : ITransactionPayload
{
    public const int MaxOriginLength = 255;
    public const int MaxOrganisationNameLength = 200;
    public const int MaxKeys = 16;

    private const string Name = "Genesis payload";

    public TxType Type => TxType.Genesis;

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(Problem(), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(5);
        writer.WriteUInt32(1);
        writer.WriteTextString(Origin);
        writer.WriteUInt32(2);
        writer.WriteTextString(OrganisationName);
        writer.WriteUInt32(3);
        writer.WriteStartArray(Keys.Count);
        foreach (var key in Keys)
        {
            key.Write(writer);
        }

        writer.WriteEndArray();
        writer.WriteUInt32(4);
        writer.WriteTextString(LogVerifierKey);
        writer.WriteUInt32(5);
        writer.WriteTextString(CosignerVerifierKey);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static GenesisPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), genesis => genesis.Encode());
    }

    /// <summary>The organisation key's registration (exactly one exists in a valid genesis).</summary>
    public KeyRegisteredPayload OrganisationKey => Keys.Single(k => k.Role == KeyRoles.Organisation);

    /// <summary>The verifier keys that sign and cosign this log's checkpoints.</summary>
    public IReadOnlyList<VerifierKey> CheckpointVerifierKeys() => [VerifierKey.Parse(LogVerifierKey), VerifierKey.Parse(CosignerVerifierKey)];

    /// <summary>A checkpoint origin: also the log key's name, so printable ASCII without spaces or '+'.</summary>
    public static string? OriginProblem(string origin)
    {
        if (origin.Length is 0 or > MaxOriginLength)
        {
            return $"origin must be 1 to {MaxOriginLength} characters";
        }

        foreach (var c in origin)
        {
            if (c is <= ' ' or > '~' or '+')
            {
                return "origin must be printable ASCII without spaces or '+' (for example \"hospital.example/careledger\")";
            }
        }

        return null;
    }

    /// <summary>An organisation name: printable, 1 to 200 characters (it also labels the organisation's key).</summary>
    public static string? OrganisationNameProblem(string name) => FieldRules.LabelProblem(name, "organisation name", MaxOrganisationNameLength);

    private static GenesisPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 5, 5);
        CanonicalCbor.ExpectKey(reader, 1, Name, "origin");
        var origin = CanonicalCbor.ReadText(reader, Name, "origin", MaxOriginLength);
        CanonicalCbor.ExpectKey(reader, 2, Name, "organisation name");
        var organisation = CanonicalCbor.ReadText(reader, Name, "organisation name", MaxOrganisationNameLength);
        CanonicalCbor.ExpectKey(reader, 3, Name, "keys");
        var count = CanonicalCbor.ReadArrayStart(reader, Name, 1, MaxKeys);
        var keys = new KeyRegisteredPayload[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = KeyRegisteredPayload.Read(reader, data);
        }

        reader.ReadEndArray();
        CanonicalCbor.ExpectKey(reader, 4, Name, "log verifier key");
        var logKey = CanonicalCbor.ReadText(reader, Name, "log verifier key", 512);
        CanonicalCbor.ExpectKey(reader, 5, Name, "cosigner verifier key");
        var cosignerKey = CanonicalCbor.ReadText(reader, Name, "cosigner verifier key", 512);
        reader.ReadEndMap();
        var genesis = new GenesisPayload(origin, organisation, keys, logKey, cosignerKey);
        FieldRules.RejectIfProblem(genesis.Problem(), Name);
        return genesis;
    }

    private string? Problem()
    {
        var problem = OriginProblem(Origin) ?? OrganisationNameProblem(OrganisationName);
        if (problem is not null)
        {
            return problem;
        }

        if (Keys.Count is 0 or > MaxKeys)
        {
            return $"1 to {MaxKeys} keys are allowed, not {Keys.Count}";
        }

        if (Keys.Count(k => k.Role == KeyRoles.Organisation) != 1)
        {
            return $"exactly one key must have the role '{KeyRoles.Organisation}'";
        }

        if (Keys.Select(k => k.Key).Distinct().Count() != Keys.Count)
        {
            return "a key is registered twice";
        }

        return VerifierKeyProblem(LogVerifierKey, "log verifier key", NoteSignatureType.Ed25519, Origin)
            ?? VerifierKeyProblem(CosignerVerifierKey, "cosigner verifier key", NoteSignatureType.CosignatureV1, null);
    }

    private static string? VerifierKeyProblem(string vkey, string field, byte type, string? name)
    {
        VerifierKey key;
        try
        {
            key = VerifierKey.Parse(vkey);
        }
        catch (FormatException e)
        {
            return $"{field}: {e.Message}";
        }

        if (key.SignatureType != type)
        {
            return $"{field} must have signature type 0x{type:x2}, not 0x{key.SignatureType:x2}";
        }

        return name is not null && key.Name != name ? $"{field} must be named after the origin '{name}', not '{key.Name}'" : null;
    }
}
