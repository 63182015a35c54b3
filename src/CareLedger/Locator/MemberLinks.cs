using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CareLedger.Ledger.Engine;

namespace CareLedger.Locator;

/// <summary>What another member answered to a disclosure request: the records (FHIR JSON), or its refusal.</summary>
internal sealed record MemberAnswer(int Status, IReadOnlyList<JsonObject> Records, string? Refusal);

/// <summary>
/// This member's node as a client of the other members' FHIR APIs (F3, ADR 0009): SMART Backend Services — a
/// client-credentials token from the other member's authorisation server, the client authenticated by a JWT assertion
/// (<c>private_key_jwt</c>, RFC 7523) signed with this member's node key, the key the ledger registers for it — and, on
/// each request, a <see cref="ClinicianAssertion"/> naming the clinician it acts for, or a <see cref="PatientAssertion"/>
/// naming the patient who asks for their own records (ADR 0010).
/// </summary>
internal sealed class MemberLinks(LedgerEngine ledger, HttpClient http)
{
    public const string AssertionHeader = "CareLedger-Clinician-Assertion";
    public const string PatientAssertionHeader = "CareLedger-Patient-Assertion";
    public const string Scope = "system/*.rs";
    private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>A bound on one disclosure (a million records at the largest page): a holder that links pages for ever is cut off.</summary>
    private const int MaxPages = 1000;

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> tokens = new(StringComparer.Ordinal);

    /// <summary>How many records this node asks for a page (the holder gives at most <see cref="DisclosurePage.MaxSize"/>).</summary>
    public int PageSize
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, DisclosurePage.MaxSize);
            field = value;
        }
    } = DisclosurePage.MaxSize;

    /// <summary>Asks <paramref name="holder"/> for the records of the patient its locator pseudonym names, for the clinician.</summary>
    public Task<MemberAnswer> FetchAsync(LocatedHolder holder, ClinicianAssertion clinician, CancellationToken ct) =>
        FetchAsync(holder, clinician.Locator, AssertionHeader, now => (clinician with
        {
            IssuedAt = now, ExpiresAt = now + ClinicianAssertion.MaxLifetime, Id = Guid.NewGuid().ToString("N"),
        }).Sign(ledger.Keys.Node), ct);

    /// <summary>Asks <paramref name="holder"/> for the records of the patient its locator pseudonym names, for that patient.</summary>
    public Task<MemberAnswer> FetchAsync(LocatedHolder holder, PatientAssertion patient, CancellationToken ct) =>
        FetchAsync(holder, patient.Locator, PatientAssertionHeader, now => (patient with
        {
            IssuedAt = now, ExpiresAt = now + PatientAssertion.MaxLifetime, Id = Guid.NewGuid().ToString("N"),
        }).Sign(ledger.Keys.Node), ct);

    /// <summary>
    /// Every page of the holder's disclosure, following its <c>next</c> links (each a request of its own, with an assertion
    /// signed afresh, decided and audited there on its own). A page refused after others were disclosed is the holder's
    /// answer: a refusal, carrying the records already received so that this member audits what crossed.
    /// </summary>
    private async Task<MemberAnswer> FetchAsync(LocatedHolder holder, string locator, string header, Func<DateTimeOffset, string> assertion, CancellationToken ct)
    {
        var disclose = $"{holder.FhirBase.AbsoluteUri.TrimEnd('/')}/Patient/$disclose?";
        var url = new Uri($"{disclose}locator={locator}&_count={PageSize}");
        var records = new List<JsonObject>();
        for (var pages = 1; ; pages++)
        {
            var token = await TokenAsync(holder.FhirBase, ct);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add(header, assertion(DateTimeOffset.UtcNow));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
            using var response = await http.SendAsync(request, ct);
            var body = JsonNode.Parse(await response.Content.ReadAsStreamAsync(ct)) as JsonObject;
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var refusal = Diagnostics(body) ?? $"HTTP {status}";
                return new MemberAnswer(status, records, records.Count == 0 ? refusal : $"{refusal} (after {records.Count} records of {pages - 1} pages)");
            }

            records.AddRange((body?["entry"] as JsonArray ?? []).Select(e => e?["resource"] as JsonObject).OfType<JsonObject>().Select(r => (JsonObject)r.DeepClone()));
            var next = (body?["link"] as JsonArray ?? []).FirstOrDefault(l => (string?)l?["relation"] == "next") is { } link ? (string?)link["url"] : null;
            if (next is null)
            {
                return new MemberAnswer(status, records, null);
            }

            // Only the holder's own disclosure is followed, and never for ever.
            if (!next.StartsWith(disclose, StringComparison.Ordinal) || !Uri.TryCreate(next, UriKind.Absolute, out var nextUrl) || nextUrl == url)
            {
                throw new InvalidOperationException($"member {holder.Member} linked a next page that is not a further page of its disclosure");
            }

            if (pages >= MaxPages)
            {
                throw new InvalidOperationException($"member {holder.Member} disclosed more than {MaxPages} pages");
            }

            url = nextUrl;
        }
    }

    private async Task<string> TokenAsync(Uri fhirBase, CancellationToken ct)
    {
        var key = fhirBase.AbsoluteUri;
        if (tokens.TryGetValue(key, out var cached) && cached.Until > DateTimeOffset.UtcNow)
        {
            return cached.Token;
        }

        // SMART discovery below the FHIR base names the token endpoint and the issuer (the assertion's audience).
        var configuration = await http.GetFromJsonObjectAsync(new Uri(key.TrimEnd('/') + "/.well-known/smart-configuration"), ct);
        var tokenEndpoint = (string?)configuration["token_endpoint"] ?? throw new InvalidOperationException($"{fhirBase} names no token endpoint");
        var member = ledger.MemberName ?? throw new InvalidOperationException("this node is not a consortium member");
        var now = DateTimeOffset.UtcNow;
        // typ as draft-ietf-oauth-rfc7523bis asks (OpenIddict refuses plain JWTs as client assertions).
        var header = new JsonObject { ["alg"] = "ES256", ["typ"] = "client-authentication+jwt", ["kid"] = ledger.Keys.Node.Id.ToString() };
        var claims = new JsonObject
        {
            ["iss"] = member,
            ["sub"] = member,
            // The issuer identifier, as draft-ietf-oauth-rfc7523bis asks (RFC 7523 allowed the token endpoint too).
            ["aud"] = (string?)configuration["issuer"] ?? throw new InvalidOperationException($"{fhirBase} names no issuer"),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddMinutes(5).ToUnixTimeSeconds(),
        };
        var signingInput = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var assertion = signingInput + "." + Base64Url.EncodeToString(ledger.Keys.Node.Sign(Encoding.ASCII.GetBytes(signingInput)));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["scope"] = Scope,
            ["client_id"] = member,
            ["client_assertion_type"] = AssertionType,
            ["client_assertion"] = assertion,
        });
        using var response = await http.PostAsync(new Uri(tokenEndpoint), form, ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStreamAsync(ct)) as JsonObject;
        if (!response.IsSuccessStatusCode || (string?)body?["access_token"] is not { } token)
        {
            throw new InvalidOperationException($"member at {fhirBase} refused this node a token: {(string?)body?["error"]} {(string?)body?["error_description"]}");
        }

        var lifetime = (int?)body["expires_in"] ?? 60;
        tokens[key] = (token, now.AddSeconds(Math.Max(0, lifetime - 30)));
        return token;
    }

    private static string? Diagnostics(JsonObject? outcome) =>
        outcome?["issue"] is JsonArray issues
            ? string.Join("; ", issues.Select(i => (string?)i?["diagnostics"]).Where(d => !string.IsNullOrEmpty(d)))
            : null;
}

internal static class HttpJson
{
    public static async Task<JsonObject> GetFromJsonObjectAsync(this HttpClient http, Uri url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, ct);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStreamAsync(ct)) as JsonObject
            ?? throw new InvalidOperationException($"{url} did not answer a JSON object");
    }
}
