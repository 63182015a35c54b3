using CareLedger.Consent.Compilation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Consent.Evaluation;

/// <summary>
/// A request translated into the ids of one compiled set: codes and references that no provision mentions are
/// dropped, because they cannot match anything. Lives on the stack for one decision.
/// </summary>
internal ref struct RequestFacts
{
    public const int NoId = -1;

    public long Time;
    public int ActionId;
    public int PurposeId;
    public Span<ulong> Roles;
    public Span<ulong> Labels;
    public Span<ulong> Classes;
    public Span<ulong> Codes;
    public bool CodesKnown;
    public long DataTime;
    public bool DataTimeKnown;
    public Span<ulong> RequesterReferences;
    public int ResourceReferenceId;
    public bool ResourceReferenceKnown;
    public Span<ulong> References;
    public bool ReferencesKnown;
    public Span<ulong> ReferencedBy;
    public bool ReferencedByKnown;
    public Span<ulong> Authors;
    public bool AuthorsKnown;

    public const int CodingSets = 4;
    public const int ReferenceSets = 4;

    public static int BufferWords(CompiledConsentSet set) =>
        (CodingSets * Bits.WordsFor(set.CodingIds.Count)) + (ReferenceSets * Bits.WordsFor(set.ReferenceIds.Count));

    /// <param name="buffer">Zeroed memory of <see cref="BufferWords"/> words.</param>
    public static RequestFacts Create(CompiledConsentSet set, AccessRequest request, Span<ulong> buffer)
    {
        var codingWords = Bits.WordsFor(set.CodingIds.Count);
        var referenceWords = Bits.WordsFor(set.ReferenceIds.Count);
        var resource = request.Resource;
        var facts = new RequestFacts
        {
            Time = request.Time.UtcTicks,
            ActionId = CodingId(set, request.Action),
            PurposeId = CodingId(set, request.Purpose),
            Roles = buffer.Slice(0, codingWords),
            Labels = buffer.Slice(codingWords, codingWords),
            Classes = buffer.Slice(2 * codingWords, codingWords),
            Codes = buffer.Slice(3 * codingWords, codingWords),
            CodesKnown = resource.Codes is not null,
            DataTime = resource.DataTime?.UtcTicks ?? 0,
            DataTimeKnown = resource.DataTime is not null,
            RequesterReferences = buffer.Slice(4 * codingWords, referenceWords),
            ResourceReferenceId = resource.Reference is null ? NoId : ReferenceId(set, resource.Reference),
            ResourceReferenceKnown = resource.Reference is not null,
            References = buffer.Slice((4 * codingWords) + referenceWords, referenceWords),
            ReferencesKnown = resource.References is not null,
            ReferencedBy = buffer.Slice((4 * codingWords) + (2 * referenceWords), referenceWords),
            ReferencedByKnown = resource.ReferencedBy is not null,
            Authors = buffer.Slice((4 * codingWords) + (3 * referenceWords), referenceWords),
            AuthorsKnown = resource.Authors is not null,
        };

        AddCodings(set, request.Requester.Roles, facts.Roles);
        AddCodings(set, resource.SecurityLabels, facts.Labels);
        AddCoding(set, new Coding(CodeSystems.ResourceTypes, resource.ResourceType), facts.Classes);
        AddCodings(set, resource.Classes, facts.Classes);
        if (resource.Codes is { } codes)
        {
            AddCodings(set, codes, facts.Codes);
        }

        AddReference(set, request.Requester.Reference, facts.RequesterReferences);
        if (request.Requester.Organization is { } organization)
        {
            AddReference(set, organization, facts.RequesterReferences);
        }

        AddReferences(set, request.Requester.Groups, facts.RequesterReferences);
        if (resource.References is { } references)
        {
            AddReferences(set, references, facts.References);
        }

        if (resource.ReferencedBy is { } referencedBy)
        {
            AddReferences(set, referencedBy, facts.ReferencedBy);
        }

        if (resource.Authors is { } authors)
        {
            AddReferences(set, authors, facts.Authors);
        }

        return facts;
    }

    private static int CodingId(CompiledConsentSet set, Coding coding) =>
        set.CodingIds.TryGetValue(coding, out var id) ? id : NoId;

    private static int ReferenceId(CompiledConsentSet set, string reference) =>
        set.ReferenceIds.TryGetValue(reference, out var id) ? id : NoId;

    private static void AddCodings(CompiledConsentSet set, IReadOnlyList<Coding> codings, Span<ulong> bits)
    {
        for (var i = 0; i < codings.Count; i++)
        {
            AddCoding(set, codings[i], bits);
        }
    }

    private static void AddCoding(CompiledConsentSet set, Coding coding, Span<ulong> bits)
    {
        if (set.CodingIds.TryGetValue(coding, out var id))
        {
            Bits.Set(bits, id);
        }
    }

    private static void AddReferences(CompiledConsentSet set, IReadOnlyList<string> references, Span<ulong> bits)
    {
        for (var i = 0; i < references.Count; i++)
        {
            AddReference(set, references[i], bits);
        }
    }

    private static void AddReference(CompiledConsentSet set, string reference, Span<ulong> bits)
    {
        if (set.ReferenceIds.TryGetValue(reference, out var id))
        {
            Bits.Set(bits, id);
        }
    }
}
