using System.Formats.Cbor;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Transactions;

public class PayloadEncodingTests
{
    private static readonly byte[] RecordRef = Enumerable.Repeat((byte)0x11, 32).ToArray();
    private static readonly byte[] Patient = Enumerable.Repeat((byte)0x22, 16).ToArray();
    private static readonly byte[] Commitment = Enumerable.Repeat((byte)0x33, 32).ToArray();

    [Fact]
    public void Records_committed_round_trips_with_and_without_a_patient()
    {
        var payload = new RecordsCommittedPayload(
        [
            new RecordCommitment(RecordRef, Patient, 1, RecordOperation.Create, Commitment),
            new RecordCommitment(RecordRef, null, 2, RecordOperation.Delete, Commitment),
        ]);

        var decoded = RecordsCommittedPayload.Decode(payload.Encode());

        Assert.Equal(2, decoded.Records.Count);
        Assert.Equal(Patient, decoded.Records[0].Patient);
        Assert.Null(decoded.Records[1].Patient);
        Assert.Equal(RecordOperation.Delete, decoded.Records[1].Operation);
        Assert.Equal(2u, decoded.Records[1].Version);
        Assert.Equal(payload.Encode(), decoded.Encode());
    }

    [Fact]
    public void Every_payload_type_round_trips_through_the_type_dispatch()
    {
        using var key = AuthorKey.Generate();
        using var logKey = NoteSigningKey.Generate("test.example/log");
        using var cosigner = CosignerKey.Generate("test.example/log/cosigner");
        ITransactionPayload[] payloads =
        [
            new GenesisPayload("test.example/log", "Test Hospital", [new KeyRegisteredPayload(key.PublicKeySpki, KeyRoles.Organisation, "Test Hospital")],
                logKey.VerifierKey.ToVkey(), cosigner.VerifierKey.ToVkey()),
            new KeyRegisteredPayload(key.PublicKeySpki, "system", "lab system"),
            new KeyRevokedPayload(key.Id),
            new RecordsCommittedPayload([new RecordCommitment(RecordRef, Patient, 1, RecordOperation.Create, Commitment)]),
            new PatientErasedPayload(Patient),
            TestTransactions.Anchor(),
            new CredentialStatusPayload(CredentialStatusPayload.HashCredentialId("urn:uuid:0f5c2d7e-1111-4a2b-9c3d-000000000001"), CredentialStatusKind.Renewed, Commitment, 1_800_000_000_000),
        ];

        foreach (var payload in payloads)
        {
            var decoded = TransactionPayloads.Decode(payload.Type, payload.Encode());
            Assert.Equal(payload.GetType(), decoded.GetType());
            Assert.Equal(payload.Encode(), decoded.Encode());
        }
    }

    [Fact]
    public void Invalid_fields_are_refused_when_encoding_and_when_decoding()
    {
        var badKind = new AnchorPayload("Audit Event", [1], []);

        Assert.Throws<ArgumentException>(badKind.Encode);
        var encoded = EncodeMap(w => w.WriteTextString("Audit Event"), w => w.WriteByteString([1]), w => w.WriteByteString([]));
        Assert.Equal(TransactionErrors.InvalidField, Assert.Throws<InvalidTransactionException>(() => AnchorPayload.Decode(encoded)).Code);
    }

    [Fact]
    public void A_wrong_length_pseudonym_or_commitment_is_refused()
    {
        var shortPatient = EncodeMap(w => w.WriteByteString(new byte[15]));
        var record = new RecordCommitment(RecordRef, null, 1, RecordOperation.Create, new byte[31]);

        Assert.Equal(TransactionErrors.BadLength, Assert.Throws<InvalidTransactionException>(() => PatientErasedPayload.Decode(shortPatient)).Code);
        Assert.Throws<ArgumentException>(() => new RecordsCommittedPayload([record]).Encode());
    }

    [Fact]
    public void Zero_records_an_unknown_operation_or_version_zero_are_refused()
    {
        var empty = new CborWriter(CborConformanceMode.Canonical);
        empty.WriteStartMap(1);
        empty.WriteUInt32(1);
        empty.WriteStartArray(0);
        empty.WriteEndArray();
        empty.WriteEndMap();

        Assert.Equal(TransactionErrors.Malformed, Assert.Throws<InvalidTransactionException>(() => RecordsCommittedPayload.Decode(empty.Encode())).Code);
        Assert.Equal(TransactionErrors.InvalidField, Assert.Throws<InvalidTransactionException>(() => RecordsCommittedPayload.Decode(OneRecord(version: 1, operation: 9))).Code);
        Assert.Equal(TransactionErrors.InvalidField, Assert.Throws<InvalidTransactionException>(() => RecordsCommittedPayload.Decode(OneRecord(version: 0, operation: 1))).Code);
    }

    [Fact]
    public void A_genesis_without_exactly_one_organisation_key_is_refused()
    {
        using var key = AuthorKey.Generate();
        using var logKey = NoteSigningKey.Generate("test.example/log");
        using var cosigner = CosignerKey.Generate("test.example/log/cosigner");
        var genesis = new GenesisPayload("test.example/log", "Test Hospital", [new KeyRegisteredPayload(key.PublicKeySpki, KeyRoles.Node, "node")],
            logKey.VerifierKey.ToVkey(), cosigner.VerifierKey.ToVkey());

        Assert.Contains("organisation", Assert.Throws<ArgumentException>(genesis.Encode).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_genesis_whose_log_key_is_not_named_after_the_origin_is_refused()
    {
        using var key = AuthorKey.Generate();
        using var logKey = NoteSigningKey.Generate("other.example/log");
        using var cosigner = CosignerKey.Generate("test.example/log/cosigner");
        var genesis = new GenesisPayload("test.example/log", "Test Hospital", [new KeyRegisteredPayload(key.PublicKeySpki, KeyRoles.Organisation, "Test Hospital")],
            logKey.VerifierKey.ToVkey(), cosigner.VerifierKey.ToVkey());

        Assert.Throws<ArgumentException>(genesis.Encode);
    }

    [Fact]
    public void A_key_registration_with_a_malformed_public_key_is_refused()
    {
        var registered = new KeyRegisteredPayload([0x30, 0x00], "system", "lab system");

        Assert.Contains("P-256", Assert.Throws<ArgumentException>(registered.Encode).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_with_trailing_bytes_or_a_non_canonical_encoding_is_refused()
    {
        var anchor = TestTransactions.Anchor().Encode();
        var trailing = anchor.Append((byte)0).ToArray();
        var indefinite = new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);
        indefinite.WriteStartMap(null);
        indefinite.WriteUInt32(1);
        indefinite.WriteByteString(Patient);
        indefinite.WriteEndMap();

        Assert.Equal(TransactionErrors.TrailingBytes, Assert.Throws<InvalidTransactionException>(() => AnchorPayload.Decode(trailing)).Code);
        Assert.Equal(TransactionErrors.NonCanonical, Assert.Throws<InvalidTransactionException>(() => PatientErasedPayload.Decode(indefinite.Encode())).Code);
    }

    private static byte[] EncodeMap(params Action<CborWriter>[] values)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            writer.WriteUInt32((uint)i + 1);
            values[i](writer);
        }

        writer.WriteEndMap();
        return writer.Encode();
    }

    private static byte[] OneRecord(uint version, uint operation)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        writer.WriteStartMap(1);
        writer.WriteUInt32(1);
        writer.WriteStartArray(1);
        writer.WriteStartMap(4);
        writer.WriteUInt32(1);
        writer.WriteByteString(RecordRef);
        writer.WriteUInt32(3);
        writer.WriteUInt32(version);
        writer.WriteUInt32(4);
        writer.WriteUInt32(operation);
        writer.WriteUInt32(5);
        writer.WriteByteString(Commitment);
        writer.WriteEndMap();
        writer.WriteEndArray();
        writer.WriteEndMap();
        return writer.Encode();
    }
}
