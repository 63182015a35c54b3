using System.Text.Json;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Consortium;

/// <summary>
/// A prospective founder's public description, written by <c>careledger consortium keys</c> to DATA/member.json and
/// handed to whoever drafts the genesis: JSON {"format": "careledger-member/v1", "name", "organisation",
/// "organisationKey" and "nodeKey" (base64 SubjectPublicKeyInfo DER, ECDSA P-256), "cosignerKey" (vkey, type 0x04)}.
/// Nothing in it is secret.
/// </summary>
internal static class MemberDescriptor
{
    public const string FormatV1 = "careledger-member/v1";
    public const string FileName = "member.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly JsonSerializerOptions StrictJson = new(Json) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    public static string Write(FoundingMember member) => JsonSerializer.Serialize(new Document(
        FormatV1,
        member.Name,
        member.OrganisationName,
        Convert.ToBase64String(member.OrganisationKeySpki),
        Convert.ToBase64String(member.NodeKeySpki),
        member.CosignerVerifierKey), Json) + "\n";

    /// <exception cref="FormatException">not a member descriptor, or a field is unusable; the message names it.</exception>
    public static FoundingMember Read(string json)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(json, StrictJson);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a member descriptor: {e.Message}", e);
        }

        if (document is null || document.Format != FormatV1)
        {
            throw new FormatException($"not a member descriptor: the format must be \"{FormatV1}\"");
        }

        var member = new FoundingMember(
            document.Name ?? throw Missing("name"),
            document.Organisation ?? throw Missing("organisation"),
            Base64(document.OrganisationKey, "organisationKey"),
            Base64(document.NodeKey, "nodeKey"),
            document.CosignerKey ?? throw Missing("cosignerKey"));
        return member.Problem() is { } problem ? throw new FormatException($"member descriptor: {problem}") : member;
    }

    private static byte[] Base64(string? text, string field)
    {
        try
        {
            return Convert.FromBase64String(text ?? throw Missing(field));
        }
        catch (FormatException e) when (text is not null)
        {
            throw new FormatException($"member descriptor: {field} is not base64", e);
        }
    }

    private static FormatException Missing(string field) => new($"member descriptor: the field '{field}' is missing");

    private sealed record Document(string? Format, string? Name, string? Organisation, string? OrganisationKey, string? NodeKey, string? CosignerKey);
}
