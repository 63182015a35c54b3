using System.Formats.Cbor;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// One record version held by a member: canonical CBOR {1: record ref (bstr 32, opaque), 2: patient pseudonym
/// (bstr 16; the field is absent when the record has no patient), 3: version (uint ≥ 1), 4: operation (uint),
/// 5: commitment (bstr 32, salted SHA-256 of the content)}.
/// </summary>
public sealed record RecordCommitment(byte[] RecordRef, byte[]? Patient, uint Version, RecordOperation Operation, byte[] Commitment)
{
    public const int RecordRefLength = 32;
    public const int CommitmentLength = 32;

    private const string Name = "record commitment";

    internal void Write(CborWriter writer)
    {
        FieldRules.ThrowIfProblem(Problem(), Name);
        writer.WriteStartMap(Patient is null ? 4 : 5);
        writer.WriteUInt32(1);
        writer.WriteByteString(RecordRef);
        if (Patient is not null)
        {
            writer.WriteUInt32(2);
            writer.WriteByteString(Patient);
        }

        writer.WriteUInt32(3);
        writer.WriteUInt32(Version);
        writer.WriteUInt32(4);
        writer.WriteUInt32((byte)Operation);
        writer.WriteUInt32(5);
        writer.WriteByteString(Commitment);
        writer.WriteEndMap();
    }

    internal static RecordCommitment Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        var fields = CanonicalCbor.ReadMapStart(reader, Name, 4, 5);
        CanonicalCbor.ExpectKey(reader, 1, Name, "record ref");
        var recordRef = CanonicalCbor.ReadBytes(reader, data, Name, "record ref", RecordRefLength, RecordRefLength);
        byte[]? patient = null;
        if (fields == 5)
        {
            CanonicalCbor.ExpectKey(reader, 2, Name, "patient");
            patient = CanonicalCbor.ReadBytes(reader, data, Name, "patient", PatientErasedPayload.PseudonymLength, PatientErasedPayload.PseudonymLength).ToArray();
        }

        CanonicalCbor.ExpectKey(reader, 3, Name, "version");
        var version = CanonicalCbor.ReadUInt(reader, Name, "version");
        CanonicalCbor.ExpectKey(reader, 4, Name, "operation");
        var operation = CanonicalCbor.ReadUInt(reader, Name, "operation");
        CanonicalCbor.ExpectKey(reader, 5, Name, "commitment");
        var commitment = CanonicalCbor.ReadBytes(reader, data, Name, "commitment", CommitmentLength, CommitmentLength);
        reader.ReadEndMap();
        if (version is 0 or > uint.MaxValue)
        {
            throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{Name}: version {version} is outside 1 .. {uint.MaxValue}");
        }

        if (operation > byte.MaxValue || !Enum.IsDefined((RecordOperation)operation))
        {
            throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{Name}: operation {operation} is unknown");
        }

        return new RecordCommitment(recordRef.ToArray(), patient, (uint)version, (RecordOperation)operation, commitment.ToArray());
    }

    private string? Problem() =>
        FieldRules.BytesProblem(RecordRef, "record ref", RecordRefLength, RecordRefLength)
        ?? (Patient is null ? null : FieldRules.BytesProblem(Patient, "patient", PatientErasedPayload.PseudonymLength, PatientErasedPayload.PseudonymLength))
        ?? (Version == 0 ? "version must be at least 1" : null)
        ?? (Enum.IsDefined(Operation) ? null : $"operation {(byte)Operation} is unknown")
        ?? FieldRules.BytesProblem(Commitment, "commitment", CommitmentLength, CommitmentLength);
}
