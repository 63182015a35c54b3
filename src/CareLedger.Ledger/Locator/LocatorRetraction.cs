using System.Formats.Cbor;
using System.Security.Cryptography;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Locator;

/// <summary>
/// A member withdrawing its record-locator entries (F3, ADR 0009): "I no longer hold records of these patients" — sent
/// once a patient is erased (GDPR Art. 17), so that other members stop asking. Patients are named by their locator
/// pseudonym only, as in the <see cref="LocatorAnnouncement"/> it withdraws (whose history stays on the ledger).
/// Canonical CBOR {1: [pseudonym (bstr 32), ...] (1 to 512, strictly ascending)}, carried as an <see cref="AnchorPayload"/>
/// of kind <see cref="AnchorKind"/> signed by the member's node key (context = this encoding, digest = SHA-256(context));
/// it withdraws only the entries of the member whose node key signed it, as of its place in the log.
/// </summary>
public sealed record LocatorRetraction(IReadOnlyList<byte[]> Patients)
{
    public const string AnchorKind = "record-locator-retraction";

    private const string Name = "record locator retraction";

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(LocatorPseudonyms.Problem(Patients), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(1);
        writer.WriteUInt32(1);
        LocatorPseudonyms.Write(writer, Patients);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <exception cref="InvalidTransactionException">not the canonical encoding of a valid retraction.</exception>
    public static LocatorRetraction Decode(ReadOnlySpan<byte> encoded)
    {
        var data = encoded.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), retraction => retraction.Encode());
    }

    /// <summary>The anchor that carries it on the ledger.</summary>
    public AnchorPayload ToAnchor()
    {
        var context = Encode();
        return new AnchorPayload(AnchorKind, SHA256.HashData(context), context);
    }

    /// <summary>The retraction an anchor carries; null when the anchor is of another kind or does not hold a valid one.</summary>
    public static LocatorRetraction? FromAnchor(AnchorPayload anchor) => LocatorPseudonyms.FromAnchor(anchor, AnchorKind, context => Decode(context));

    private static LocatorRetraction Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 1, 1);
        CanonicalCbor.ExpectKey(reader, 1, Name, "patients");
        var patients = LocatorPseudonyms.Read(reader, data, Name);
        reader.ReadEndMap();
        var retraction = new LocatorRetraction(patients);
        FieldRules.RejectIfProblem(LocatorPseudonyms.Problem(patients), Name);
        return retraction;
    }
}
