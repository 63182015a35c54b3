using System.Text.Json.Nodes;
using CareLedger.Access.Gate;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Locator;

/// <summary>
/// What a member's node states when it asks another member for a patient's records on behalf of that patient (ADR 0010):
/// a <see cref="NodeStatement"/> signed by the asking member's node key. Header {"alg": "ES256", "typ":
/// "careledger-patient+jwt", "kid": node key id}; claims {"iss": member name, "aud": the holder's FHIR base URL, "sub": the
/// patient's account id at the asking member, "sid": the request (session) of the patient at the asking member that its
/// audit records name, "purpose": "PATRQT", "locator": the patient's locator pseudonym (hex) — the asking member computed
/// it from the identifier on the patient's own record there, "iat", "exp" (at most <see cref="MaxLifetime"/> after iat),
/// "jti"}. A type of its own, so a patient's statement can never be read as a clinician's nor the other way round.
/// </summary>
internal sealed record PatientAssertion(
    string Member,
    string Audience,
    string Subject,
    string Session,
    string Locator,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string Id)
{
    public const string Type = "careledger-patient+jwt";
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(5);

    private const string What = "the patient assertion";

    /// <summary>The compact serialisation, signed by <paramref name="nodeKey"/>.</summary>
    public string Sign(AuthorKey nodeKey) => NodeStatement.Sign(Type, new JsonObject
    {
        ["iss"] = Member,
        ["aud"] = Audience,
        ["sub"] = Subject,
        ["sid"] = Session,
        ["purpose"] = PurposeDefaults.PatientRequested,
        ["locator"] = Locator,
        ["iat"] = IssuedAt.ToUnixTimeSeconds(),
        ["exp"] = ExpiresAt.ToUnixTimeSeconds(),
        ["jti"] = Id,
    }, nodeKey);

    /// <summary>Reads and checks a compact assertion (signature by the issuing member's node key, audience, lifetime, purpose).</summary>
    /// <exception cref="FormatException">Why the assertion is refused (one line, safe to return to the caller).</exception>
    public static PatientAssertion Verify(string compact, Func<string, byte[]?> memberNodeKey, string audience, DateTimeOffset now)
    {
        var claims = NodeStatement.Verify(compact, Type, What, memberNodeKey, audience, now, MaxLifetime);
        if (Text(claims, "purpose") != PurposeDefaults.PatientRequested)
        {
            throw new FormatException($"the patient assertion is for purpose {PurposeDefaults.PatientRequested} only");
        }

        return new PatientAssertion(Text(claims, "iss"), Text(claims, "aud"), Text(claims, "sub"), Text(claims, "sid"), Text(claims, "locator"),
            NodeStatement.Time(claims, "iat", What), NodeStatement.Time(claims, "exp", What), Text(claims, "jti"));
    }

    private static string Text(JsonObject claims, string name) => NodeStatement.Text(claims, name, What);
}
