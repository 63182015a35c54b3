using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The status of a practitioner credential, published by its issuer (a licensing board): canonical CBOR
/// {1: credential id hash (bstr 32, SHA-256 of the credential id's UTF-8 text), 2: status (uint, <see cref="CredentialStatusKind"/>),
/// 3: credential digest (bstr 32, SHA-256 of the signed credential's bytes), 4: valid until (uint, Unix milliseconds)}.
/// The credential itself (names a practitioner) stays with the board; the ledger holds only hashes and dates.
/// </summary>
public sealed record CredentialStatusPayload(byte[] CredentialIdHash, CredentialStatusKind Status, byte[] CredentialDigest, long ValidUntilUnixMs)
    : ITransactionPayload
{
    public const int HashLength = 32;

    /// <summary>9999-12-31T23:59:59.999Z, the last instant a <see cref="DateTimeOffset"/> can hold.</summary>
    public static readonly long MaxValidUntilUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private const string Name = "CredentialStatus payload";

    public TxType Type => TxType.CredentialStatus;

    public DateTimeOffset ValidUntil => DateTimeOffset.FromUnixTimeMilliseconds(ValidUntilUnixMs);

    /// <summary>The <see cref="CredentialIdHash"/> of a credential id (e.g. <c>urn:uuid:...</c>).</summary>
    public static byte[] HashCredentialId(string credentialId)
    {
        ArgumentException.ThrowIfNullOrEmpty(credentialId);
        return SHA256.HashData(Encoding.UTF8.GetBytes(credentialId));
    }

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(Problem(), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(4);
        writer.WriteUInt32(1);
        writer.WriteByteString(CredentialIdHash);
        writer.WriteUInt32(2);
        writer.WriteUInt32((byte)Status);
        writer.WriteUInt32(3);
        writer.WriteByteString(CredentialDigest);
        writer.WriteUInt32(4);
        writer.WriteUInt64((ulong)ValidUntilUnixMs);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static CredentialStatusPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), status => status.Encode());
    }

    private static CredentialStatusPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 4, 4);
        CanonicalCbor.ExpectKey(reader, 1, Name, "credential id hash");
        var idHash = CanonicalCbor.ReadBytes(reader, data, Name, "credential id hash", HashLength, HashLength);
        CanonicalCbor.ExpectKey(reader, 2, Name, "status");
        var status = CanonicalCbor.ReadUInt(reader, Name, "status");
        CanonicalCbor.ExpectKey(reader, 3, Name, "credential digest");
        var digest = CanonicalCbor.ReadBytes(reader, data, Name, "credential digest", HashLength, HashLength);
        CanonicalCbor.ExpectKey(reader, 4, Name, "valid until");
        var validUntil = CanonicalCbor.ReadUInt(reader, Name, "valid until");
        reader.ReadEndMap();
        if (status > byte.MaxValue || !Enum.IsDefined((CredentialStatusKind)status))
        {
            throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{Name}: status {status} is unknown");
        }

        if (validUntil > (ulong)MaxValidUntilUnixMs)
        {
            throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{Name}: valid until {validUntil} is after the year 9999");
        }

        var payload = new CredentialStatusPayload(idHash.ToArray(), (CredentialStatusKind)status, digest.ToArray(), (long)validUntil);
        FieldRules.RejectIfProblem(payload.Problem(), Name);
        return payload;
    }

    private string? Problem() =>
        FieldRules.BytesProblem(CredentialIdHash, "credential id hash", HashLength, HashLength)
        ?? (Enum.IsDefined(Status) ? null : $"status {(byte)Status} is unknown")
        ?? FieldRules.BytesProblem(CredentialDigest, "credential digest", HashLength, HashLength)
        ?? (ValidUntilUnixMs < 1 || ValidUntilUnixMs > MaxValidUntilUnixMs ? $"valid until {ValidUntilUnixMs} must lie in 1 .. {MaxValidUntilUnixMs} (Unix ms)" : null);
}
