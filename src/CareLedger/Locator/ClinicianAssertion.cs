using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Locator;

/// <summary>
/// What a member's node states when it asks another member for a patient's records on behalf of one of its clinicians
/// (F3, ADR 0009): a compact JWS (RFC 7515), ES256, signed by the asking member's node key — the key the consortium
/// genesis registered for that member on the ledger, so the holder verifies it without any exchange beforehand.
/// Header {"alg": "ES256", "typ": "careledger-clinician+jwt", "kid": node key id}; claims {"iss": member name,
/// "aud": the holder's FHIR base URL, "sub": the clinician's account id at the asking member, "fhirUser":
/// "Practitioner/&lt;id&gt;", "credential": the clinician's practitioner credential (VC-JWT), "purpose": a v3 ActReason
/// code, "locator": the patient's locator pseudonym (hex), "iat", "exp" (at most <see cref="MaxLifetime"/> after iat),
/// "jti"}. It binds one clinician, one purpose, one patient and one holder, for minutes.
/// </summary>
internal sealed record ClinicianAssertion(
    string Member,
    string Audience,
    string Subject,
    string Practitioner,
    string Credential,
    string Purpose,
    string Locator,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string Id)
{
    public const string Type = "careledger-clinician+jwt";
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    /// <summary>The compact serialisation, signed by <paramref name="nodeKey"/>.</summary>
    public string Sign(AuthorKey nodeKey)
    {
        ArgumentNullException.ThrowIfNull(nodeKey);
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = Type, ["kid"] = nodeKey.Id.ToString() };
        var claims = new JsonObject
        {
            ["iss"] = Member,
            ["aud"] = Audience,
            ["sub"] = Subject,
            ["fhirUser"] = Practitioner,
            ["credential"] = Credential,
            ["purpose"] = Purpose,
            ["locator"] = Locator,
            ["iat"] = IssuedAt.ToUnixTimeSeconds(),
            ["exp"] = ExpiresAt.ToUnixTimeSeconds(),
            ["jti"] = Id,
        };
        var signingInput = Segment(header) + "." + Segment(claims);
        return signingInput + "." + Base64Url.EncodeToString(nodeKey.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>
    /// Reads and checks a compact assertion: its signature by the public key <paramref name="memberNodeKey"/> returns for
    /// the issuer it names (null: not a member), the audience, and the lifetime at <paramref name="now"/>.
    /// </summary>
    /// <exception cref="FormatException">Why the assertion is refused (one line, safe to return to the caller).</exception>
    public static ClinicianAssertion Verify(string compact, Func<string, byte[]?> memberNodeKey, string audience, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(compact);
        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("the clinician assertion is not a compact JWS");
        }

        var header = Json(parts[0], "header");
        if ((string?)header["alg"] != "ES256" || (string?)header["typ"] != Type)
        {
            throw new FormatException($"the clinician assertion must be an ES256 JWS of type {Type}");
        }

        var claims = Json(parts[1], "claims");
        var assertion = new ClinicianAssertion(
            Text(claims, "iss"), Text(claims, "aud"), Text(claims, "sub"), Text(claims, "fhirUser"), Text(claims, "credential"),
            Text(claims, "purpose"), Text(claims, "locator"), Time(claims, "iat"), Time(claims, "exp"), Text(claims, "jti"));
        var spki = memberNodeKey(assertion.Member)
            ?? throw new FormatException($"the clinician assertion's issuer '{assertion.Member}' is not a member of this network");
        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("the clinician assertion's signature is not base64url");
        }

        if (!AuthorSignature.Verify(spki, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature))
        {
            throw new FormatException($"the clinician assertion is not signed by the node key of member '{assertion.Member}'");
        }

        if (!string.Equals(assertion.Audience.TrimEnd('/'), audience.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new FormatException($"the clinician assertion is for {assertion.Audience}, not this member ({audience})");
        }

        if (assertion.ExpiresAt <= now || assertion.IssuedAt > now.AddMinutes(1) || assertion.ExpiresAt - assertion.IssuedAt > MaxLifetime)
        {
            throw new FormatException($"the clinician assertion has expired or lives longer than {MaxLifetime.TotalMinutes:0} minutes");
        }

        if (!assertion.Practitioner.StartsWith("Practitioner/", StringComparison.Ordinal))
        {
            throw new FormatException("the clinician assertion must name a Practitioner as fhirUser");
        }

        return assertion;
    }

    private static string Segment(JsonObject json) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(json));

    private static JsonObject Json(string segment, string what)
    {
        try
        {
            return JsonNode.Parse(Base64Url.DecodeFromChars(segment)) as JsonObject
                ?? throw new FormatException($"the clinician assertion's {what} is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new FormatException($"the clinician assertion's {what} is not base64url JSON");
        }
    }

    private static string Text(JsonObject claims, string name) =>
        claims[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new FormatException($"the clinician assertion lacks the claim '{name}'");

    private static DateTimeOffset Time(JsonObject claims, string name) =>
        claims[name] is JsonValue value && value.TryGetValue<long>(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new FormatException($"the clinician assertion lacks the time '{name}'");
}
