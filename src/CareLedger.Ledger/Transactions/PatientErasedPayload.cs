using System.Formats.Cbor;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The tombstone of a crypto-shredded patient: canonical CBOR {1: pseudonym (bstr 16)}. After it, no record
/// may be committed for that pseudonym.
/// </summary>
public sealed record PatientErasedPayload(byte[] Patient) : ITransactionPayload
{
    public const int PseudonymLength = 16;

    private const string Name = "PatientErased payload";

    public TxType Type => TxType.PatientErased;

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(FieldRules.BytesProblem(Patient, "patient", PseudonymLength, PseudonymLength), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(1);
        writer.WriteUInt32(1);
        writer.WriteByteString(Patient);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static PatientErasedPayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), erased => erased.Encode());
    }

    private static PatientErasedPayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 1, 1);
        CanonicalCbor.ExpectKey(reader, 1, Name, "patient");
        var patient = CanonicalCbor.ReadBytes(reader, data, Name, "patient", PseudonymLength, PseudonymLength);
        reader.ReadEndMap();
        return new PatientErasedPayload(patient.ToArray());
    }
}
