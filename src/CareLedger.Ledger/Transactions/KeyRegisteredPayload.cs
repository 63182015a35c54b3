using System.Formats.Cbor;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// Registers an author key: canonical CBOR {1: SubjectPublicKeyInfo DER of an ECDSA P-256 key (bstr),
/// 2: role (text, e.g. "organisation", "node", "system"), 3: label (text: an organisation or system name, never a person's)}.
/// </summary>
public sealed record KeyRegisteredPayload(byte[] PublicKeySpki, string Role, string Label) : ITransactionPayload
{
    public const int MaxSpkiLength = 256;
    public const int MaxRoleLength = 32;
    public const int MaxLabelLength = 200;

    private const string Name = "KeyRegistered payload";

    public TxType Type => TxType.KeyRegistered;

    /// <summary>The id of the registered key.</summary>
    public KeyId Key => KeyId.FromSpki(PublicKeySpki);

    public byte[] Encode()
    {
        var writer = CanonicalCbor.NewWriter();
        Write(writer);
        return writer.Encode();
    }

    public static KeyRegisteredPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), registered => registered.Encode());
    }

    internal void Write(CborWriter writer)
    {
        FieldRules.ThrowIfProblem(Problem(), Name);
        writer.WriteStartMap(3);
        writer.WriteUInt32(1);
        writer.WriteByteString(PublicKeySpki);
        writer.WriteUInt32(2);
        writer.WriteTextString(Role);
        writer.WriteUInt32(3);
        writer.WriteTextString(Label);
        writer.WriteEndMap();
    }

    internal static KeyRegisteredPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 3, 3);
        CanonicalCbor.ExpectKey(reader, 1, Name, "public key");
        var spki = CanonicalCbor.ReadBytes(reader, data, Name, "public key", 1, MaxSpkiLength);
        CanonicalCbor.ExpectKey(reader, 2, Name, "role");
        var role = CanonicalCbor.ReadText(reader, Name, "role", MaxRoleLength);
        CanonicalCbor.ExpectKey(reader, 3, Name, "label");
        var label = CanonicalCbor.ReadText(reader, Name, "label", MaxLabelLength);
        reader.ReadEndMap();
        var registered = new KeyRegisteredPayload(spki.ToArray(), role, label);
        FieldRules.RejectIfProblem(registered.Problem(), Name);
        return registered;
    }

    private string? Problem() =>
        FieldRules.BytesProblem(PublicKeySpki, "public key", 1, MaxSpkiLength)
        ?? (AuthorSignature.IsValidPublicKey(PublicKeySpki) ? null : "public key is not an ECDSA P-256 SubjectPublicKeyInfo")
        ?? FieldRules.NameProblem(Role, "role", MaxRoleLength)
        ?? FieldRules.LabelProblem(Label, "label", MaxLabelLength);
}
