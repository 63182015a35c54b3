using System.Text.Json.Nodes;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Locator;

/// <summary>
/// What a member's node states when it asks another member for a patient's records on behalf of one of its clinicians
/// (F3, ADR 0009): a <see cref="NodeStatement"/> signed by the asking member's node key.
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

    private const string What = "the clinician assertion";

    /// <summary>The compact serialisation, signed by <paramref name="nodeKey"/>.</summary>
    public string Sign(AuthorKey nodeKey) => NodeStatement.Sign(Type, new JsonObject
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
    }, nodeKey);

    /// <summary>
    /// Reads and checks a compact assertion: its signature by the public key <paramref name="memberNodeKey"/> returns for
    /// the issuer it names (null: not a member), the audience, and the lifetime at <paramref name="now"/>.
    /// </summary>
    /// <exception cref="FormatException">Why the assertion is refused (one line, safe to return to the caller).</exception>
    public static ClinicianAssertion Verify(string compact, Func<string, byte[]?> memberNodeKey, string audience, DateTimeOffset now)
    {
        var claims = NodeStatement.Verify(compact, Type, What, memberNodeKey, audience, now, MaxLifetime);
        var assertion = new ClinicianAssertion(
            Text(claims, "iss"), Text(claims, "aud"), Text(claims, "sub"), Text(claims, "fhirUser"), Text(claims, "credential"),
            Text(claims, "purpose"), Text(claims, "locator"), NodeStatement.Time(claims, "iat", What), NodeStatement.Time(claims, "exp", What), Text(claims, "jti"));
        if (!assertion.Practitioner.StartsWith("Practitioner/", StringComparison.Ordinal))
        {
            throw new FormatException("the clinician assertion must name a Practitioner as fhirUser");
        }

        return assertion;
    }

    private static string Text(JsonObject claims, string name) => NodeStatement.Text(claims, name, What);
}
