using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Transactions;

public class CredentialStatusPayloadTests
{
    private static readonly byte[] IdHash = Enumerable.Repeat((byte)0x11, 32).ToArray();
    private static readonly byte[] Digest = Enumerable.Repeat((byte)0x22, 32).ToArray();

    [Fact]
    public void The_encoding_is_frozen_canonical_cbor()
    {
        var payload = new CredentialStatusPayload(IdHash, CredentialStatusKind.Issued, Digest, 1_800_000_000_000);

        var expected = "a4" + "01" + "5820" + Convert.ToHexStringLower(IdHash) + "02" + "01" + "03" + "5820" + Convert.ToHexStringLower(Digest) + "04" + "1b000001a3185c5000";

        Assert.Equal(expected, Convert.ToHexStringLower(payload.Encode()));
        var decoded = CredentialStatusPayload.Decode(payload.Encode());
        Assert.Equal((CredentialStatusKind.Issued, 1_800_000_000_000L), (decoded.Status, decoded.ValidUntilUnixMs));
        Assert.Equal(IdHash, decoded.CredentialIdHash);
        Assert.Equal(Digest, decoded.CredentialDigest);
        Assert.Equal(TxType.CredentialStatus, decoded.Type);
    }

    [Fact]
    public void The_credential_id_hash_is_sha256_of_the_id_text()
    {
        const string id = "urn:uuid:5b0f3e5c-8f43-4b8e-9a55-0d2e8d8b1c11";

        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(id)), CredentialStatusPayload.HashCredentialId(id));
        Assert.Throws<ArgumentException>(() => CredentialStatusPayload.HashCredentialId(""));
    }

    [Fact]
    public void Invalid_fields_are_refused_when_encoding()
    {
        Assert.Throws<ArgumentException>(new CredentialStatusPayload(new byte[31], CredentialStatusKind.Issued, Digest, 1).Encode);
        Assert.Throws<ArgumentException>(new CredentialStatusPayload(IdHash, (CredentialStatusKind)4, Digest, 1).Encode);
        Assert.Throws<ArgumentException>(new CredentialStatusPayload(IdHash, CredentialStatusKind.Issued, new byte[33], 1).Encode);
        Assert.Throws<ArgumentException>(new CredentialStatusPayload(IdHash, CredentialStatusKind.Issued, Digest, 0).Encode);
        Assert.Throws<ArgumentException>(new CredentialStatusPayload(IdHash, CredentialStatusKind.Issued, Digest, CredentialStatusPayload.MaxValidUntilUnixMs + 1).Encode);
    }

    [Fact]
    public void Invalid_fields_are_refused_when_decoding()
    {
        Assert.Equal(TransactionErrors.InvalidField, DecodeError(IdHash, 0, Digest, 1));
        Assert.Equal(TransactionErrors.InvalidField, DecodeError(IdHash, 9, Digest, 1));
        Assert.Equal(TransactionErrors.InvalidField, DecodeError(IdHash, 1, Digest, 0));
        Assert.Equal(TransactionErrors.InvalidField, DecodeError(IdHash, 1, Digest, ulong.MaxValue));
        Assert.Equal(TransactionErrors.BadLength, DecodeError(new byte[16], 1, Digest, 1));
        Assert.Equal(TransactionErrors.BadLength, DecodeError(IdHash, 1, [], 1));
    }

    [Fact]
    public void A_missing_field_is_refused()
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(3);
        writer.WriteUInt32(1);
        writer.WriteByteString(IdHash);
        writer.WriteUInt32(2);
        writer.WriteUInt32(1);
        writer.WriteUInt32(3);
        writer.WriteByteString(Digest);
        writer.WriteEndMap();

        Assert.Equal(TransactionErrors.Malformed, Assert.Throws<InvalidTransactionException>(() => CredentialStatusPayload.Decode(writer.Encode())).Code);
    }

    private static string DecodeError(byte[] idHash, ulong status, byte[] digest, ulong validUntil)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(4);
        writer.WriteUInt32(1);
        writer.WriteByteString(idHash);
        writer.WriteUInt32(2);
        writer.WriteUInt64(status);
        writer.WriteUInt32(3);
        writer.WriteByteString(digest);
        writer.WriteUInt32(4);
        writer.WriteUInt64(validUntil);
        writer.WriteEndMap();
        return Assert.Throws<InvalidTransactionException>(() => CredentialStatusPayload.Decode(writer.Encode())).Code;
    }
}
