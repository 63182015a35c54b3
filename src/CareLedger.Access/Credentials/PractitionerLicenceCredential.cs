using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Access.Credentials;

/// <summary>
/// A practitioner's licence as a W3C Verifiable Credential (VC Data Model 2.0), the unsecured document that a
/// <see cref="VcJwt"/> signs. Written with a fixed member order; read strictly (every problem is a
/// <see cref="FormatException"/> naming the member). Dates are whole seconds in UTC, so the document, the ledger's
/// valid-until and the verifier agree to the millisecond.
/// </summary>
/// <param name="Id">The credential id, <c>urn:uuid:...</c>; the same across renewals.</param>
/// <param name="Issuer">The board's issuer id, <c>urn:careledger:issuer:&lt;key id hex&gt;</c>.</param>
/// <param name="SubjectId">The practitioner, as a URL or URN ending in <c>Practitioner/&lt;id&gt;</c>.</param>
/// <param name="SubjectKey">
/// The practitioner's own key registered on the ledger (role practitioner), written as <c>credentialSubject.ledgerKey</c>
/// = <c>urn:careledger:key:&lt;key id hex&gt;</c>: the credential speaks for whoever holds that key. Absent in credentials
/// issued before practitioners had keys of their own.
/// </param>
public sealed partial record PractitionerLicenceCredential(
    string Id,
    string Issuer,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidUntil,
    string SubjectId,
    PractitionerLicence Licence,
    KeyId? SubjectKey = null)
{
    public const string ContextV2 = "https://www.w3.org/ns/credentials/v2";
    public const string BaseType = "VerifiableCredential";
    public const string CredentialType = "PractitionerLicenceCredential";

    private const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";
    private const int MaxDocumentBytes = 16 * 1024;

    public byte[] ToJsonUtf8()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("@context");
            writer.WriteStringValue(ContextV2);
            writer.WriteEndArray();
            writer.WriteString("id", Id);
            writer.WriteStartArray("type");
            writer.WriteStringValue(BaseType);
            writer.WriteStringValue(CredentialType);
            writer.WriteEndArray();
            writer.WriteString("issuer", Issuer);
            writer.WriteString("validFrom", FormatDate(ValidFrom));
            writer.WriteString("validUntil", FormatDate(ValidUntil));
            writer.WriteStartObject("credentialSubject");
            writer.WriteString("id", SubjectId);
            writer.WriteString("licenceNumber", Licence.LicenceNumber);
            writer.WriteString("speciality", Licence.Speciality);
            if (SubjectKey is { } key)
            {
                writer.WriteString("ledgerKey", CredentialIdentifiers.KeyFor(key));
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <exception cref="FormatException">not a practitioner licence credential; the message names the member.</exception>
    public static PractitionerLicenceCredential Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxDocumentBytes)
        {
            throw new FormatException($"the credential is {json.Length} bytes; at most {MaxDocumentBytes} are accepted");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"the credential is not JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("the credential must be a JSON object");
            }

            var contexts = Strings(root, "@context");
            if (contexts.Count == 0 || contexts[0] != ContextV2)
            {
                throw new FormatException($"the first @context must be {ContextV2} (VC Data Model 2.0)");
            }

            var types = Strings(root, "type");
            if (!types.Contains(BaseType) || !types.Contains(CredentialType))
            {
                throw new FormatException($"type must include {BaseType} and {CredentialType}");
            }

            var id = String(root, "id");
            if (CredentialIdentifiers.CredentialIdProblem(id) is { } idProblem)
            {
                throw new FormatException($"id: {idProblem}");
            }

            var issuer = String(root, "issuer");
            var validFrom = Date(root, "validFrom");
            var validUntil = Date(root, "validUntil");
            if (validUntil <= validFrom)
            {
                throw new FormatException("validUntil must be after validFrom");
            }

            if (!root.TryGetProperty("credentialSubject", out var subject) || subject.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("credentialSubject must be an object");
            }

            var subjectId = String(subject, "id");
            if (!Uri.TryCreate(subjectId, UriKind.Absolute, out _))
            {
                throw new FormatException("credentialSubject.id must be an absolute URL or URN");
            }

            var licence = new PractitionerLicence(String(subject, "licenceNumber"), String(subject, "speciality"));
            if (licence.Problem() is { } licenceProblem)
            {
                throw new FormatException($"credentialSubject: {licenceProblem}");
            }

            KeyId? subjectKey = null;
            if (subject.TryGetProperty("ledgerKey", out _))
            {
                subjectKey = CredentialIdentifiers.KeyOf(String(subject, "ledgerKey"))
                    ?? throw new FormatException($"credentialSubject.ledgerKey must be {CredentialIdentifiers.KeyPrefix} followed by a key id (64 lowercase hex digits)");
            }

            return new PractitionerLicenceCredential(id, issuer, validFrom, validUntil, subjectId, licence, subjectKey);
        }
    }

    /// <summary>Drops the sub-second part: the document's dates are whole seconds.</summary>
    public static DateTimeOffset WholeSeconds(DateTimeOffset time) =>
        DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());

    private static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);

    private static string String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"{name} must be a non-empty string");

    private static List<string> Strings(JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw new FormatException($"{name} is missing");
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) => [.. value.EnumerateArray().Select(v => v.GetString()!)],
            _ => throw new FormatException($"{name} must be a string or an array of strings"),
        };
    }

    private static DateTimeOffset Date(JsonElement parent, string name)
    {
        var text = String(parent, name);
        if (!DateTimeStamp().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            throw new FormatException($"{name} '{text}' is not a date-time with a time zone (e.g. 2027-01-31T12:00:00Z)");
        }

        return time.ToUniversalTime();
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeStamp();
}
