using System.Formats.Cbor;
using System.Security.Cryptography;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Locator;

/// <summary>
/// A member's entry in the record locator (F3, ADR 0009): "I hold records of these patients, and my FHIR API answers
/// at this address". Patients are named only by their network locator pseudonym (a keyed hash that only members can
/// compute), never by anything personal. Canonical CBOR {1: FHIR base URL (text, absolute http(s)), 2: [pseudonym
/// (bstr 32), ...] (1 to 512, strictly ascending)}. It travels as an <see cref="AnchorPayload"/> of kind
/// <see cref="AnchorKind"/> signed by the member's node key: context = this encoding, digest = SHA-256(context); the
/// holder is the member whose node key signed it.
/// </summary>
public sealed record LocatorAnnouncement(string FhirBase, IReadOnlyList<byte[]> Patients)
{
    public const string AnchorKind = "record-locator";
    public const int PseudonymLength = LocatorPseudonyms.Length;
    public const int MaxPatients = LocatorPseudonyms.MaxCount;
    public const int MaxUrlLength = 512;

    private const string Name = "record locator announcement";

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(Problem(), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(2);
        writer.WriteUInt32(1);
        writer.WriteTextString(FhirBase);
        writer.WriteUInt32(2);
        LocatorPseudonyms.Write(writer, Patients);
        writer.WriteEndMap();
        return writer.Encode();
    }

    /// <exception cref="InvalidTransactionException">not the canonical encoding of a valid announcement.</exception>
    public static LocatorAnnouncement Decode(ReadOnlySpan<byte> encoded)
    {
        var data = encoded.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), announcement => announcement.Encode());
    }

    /// <summary>The anchor that carries it on the ledger.</summary>
    public AnchorPayload ToAnchor()
    {
        var context = Encode();
        return new AnchorPayload(AnchorKind, SHA256.HashData(context), context);
    }

    /// <summary>The announcement an anchor carries; null when the anchor is of another kind or does not hold a valid one.</summary>
    public static LocatorAnnouncement? FromAnchor(AnchorPayload anchor) => LocatorPseudonyms.FromAnchor(anchor, AnchorKind, context => Decode(context));

    /// <summary>Pseudonyms in the order the encoding requires (ascending, each once).</summary>
    public static IReadOnlyList<byte[]> Ordered(IEnumerable<byte[]> pseudonyms) => LocatorPseudonyms.Ordered(pseudonyms);

    private static LocatorAnnouncement Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 2, 2);
        CanonicalCbor.ExpectKey(reader, 1, Name, "FHIR base");
        var fhirBase = CanonicalCbor.ReadText(reader, Name, "FHIR base", MaxUrlLength);
        CanonicalCbor.ExpectKey(reader, 2, Name, "patients");
        var patients = LocatorPseudonyms.Read(reader, data, Name);
        reader.ReadEndMap();
        var announcement = new LocatorAnnouncement(fhirBase, patients);
        FieldRules.RejectIfProblem(announcement.Problem(), Name);
        return announcement;
    }

    private string? Problem()
    {
        if (!Uri.TryCreate(FhirBase, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http")
            || FhirBase.Length > MaxUrlLength || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            return $"the FHIR base must be an absolute http(s) URL of at most {MaxUrlLength} characters, without query or fragment";
        }

        return LocatorPseudonyms.Problem(Patients);
    }
}
