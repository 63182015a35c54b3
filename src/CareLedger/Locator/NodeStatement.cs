using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Locator;

/// <summary>
/// The signed statements a member's node sends with a disclosure request (ADR 0009, ADR 0010): a compact JWS (RFC 7515),
/// ES256, signed by the asking member's node key — the key the consortium genesis registered for that member on the ledger,
/// so the holder verifies it without any exchange beforehand. Header {"alg": "ES256", "typ": the statement's type, "kid":
/// node key id}; claims {"iss": member name, "aud": the holder's FHIR base URL, "iat", "exp", ...}. The statement types
/// (<see cref="ClinicianAssertion"/>, <see cref="PatientAssertion"/>) own their other claims.
/// </summary>
internal static class NodeStatement
{
    /// <summary>The compact serialisation of <paramref name="claims"/>, signed by <paramref name="nodeKey"/>.</summary>
    public static string Sign(string type, JsonObject claims, AuthorKey nodeKey)
    {
        ArgumentNullException.ThrowIfNull(nodeKey);
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = type, ["kid"] = nodeKey.Id.ToString() };
        var signingInput = Segment(header) + "." + Segment(claims);
        return signingInput + "." + Base64Url.EncodeToString(nodeKey.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>
    /// Reads a compact statement of <paramref name="type"/> and checks its signature by the node key
    /// <paramref name="memberNodeKey"/> returns for the issuer it names (null: not a member), its audience, and its lifetime
    /// at <paramref name="now"/> (at most <paramref name="maxLifetime"/>). Returns the claims.
    /// </summary>
    /// <param name="what">How refusals name it ("the clinician assertion").</param>
    /// <exception cref="FormatException">Why the statement is refused (one line, safe to return to the caller).</exception>
    public static JsonObject Verify(string compact, string type, string what, Func<string, byte[]?> memberNodeKey, string audience, DateTimeOffset now, TimeSpan maxLifetime)
    {
        ArgumentNullException.ThrowIfNull(compact);
        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException($"{what} is not a compact JWS");
        }

        var header = Json(parts[0], what, "header");
        if ((string?)header["alg"] != "ES256" || (string?)header["typ"] != type)
        {
            throw new FormatException($"{what} must be an ES256 JWS of type {type}");
        }

        var claims = Json(parts[1], what, "claims");
        var member = Text(claims, "iss", what);
        var spki = memberNodeKey(member) ?? throw new FormatException($"{what}'s issuer '{member}' is not a member of this network");
        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException($"{what}'s signature is not base64url");
        }

        if (!AuthorSignature.Verify(spki, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature))
        {
            throw new FormatException($"{what} is not signed by the node key of member '{member}'");
        }

        var aud = Text(claims, "aud", what);
        if (!string.Equals(aud.TrimEnd('/'), audience.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw new FormatException($"{what} is for {aud}, not this member ({audience})");
        }

        var issuedAt = Time(claims, "iat", what);
        var expiresAt = Time(claims, "exp", what);
        if (expiresAt <= now || issuedAt > now.AddMinutes(1) || expiresAt - issuedAt > maxLifetime)
        {
            throw new FormatException($"{what} has expired or lives longer than {maxLifetime.TotalMinutes:0} minutes");
        }

        return claims;
    }

    public static string Text(JsonObject claims, string name, string what) =>
        claims[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new FormatException($"{what} lacks the claim '{name}'");

    public static DateTimeOffset Time(JsonObject claims, string name, string what) =>
        claims[name] is JsonValue value && value.TryGetValue<long>(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new FormatException($"{what} lacks the time '{name}'");

    private static string Segment(JsonObject json) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(json));

    private static JsonObject Json(string segment, string what, string part)
    {
        try
        {
            return JsonNode.Parse(Base64Url.DecodeFromChars(segment)) as JsonObject
                ?? throw new FormatException($"{what}'s {part} is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new FormatException($"{what}'s {part} is not base64url JSON");
        }
    }
}
