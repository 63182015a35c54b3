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

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> tokens = new(StringComparer.Ordinal);

    /// <summary>Asks <paramref name="holder"/> for the records of the patient its locator pseudonym names, for the clinician.</summary>
    public Task<MemberAnswer> FetchAsync(LocatedHolder holder, ClinicianAssertion clinician, CancellationToken ct) =>
        FetchAsync(holder, clinician.Locator, AssertionHeader, clinician.Sign(ledger.Keys.Node), ct);

    /// <summary>Asks <paramref name="holder"/> for the records of the patient its locator pseudonym names, for that patient.</summary>
    public Task<MemberAnswer> FetchAsync(LocatedHolder holder, PatientAssertion patient, CancellationToken ct) =>
        FetchAsync(holder, patient.Locator, PatientAssertionHeader, patient.Sign(ledger.Keys.Node), ct);

    private async Task<MemberAnswer> FetchAsync(LocatedHolder holder, string locator, string header, string assertion, CancellationToken ct)
    {
        var token = await TokenAsync(holder.FhirBase, ct);
        var url = new Uri($"{holder.FhirBase.AbsoluteUri.TrimEnd('/')}/Patient/$disclose?locator={locator}");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add(header, assertion);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        using var response = await http.SendAsync(request, ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStreamAsync(ct)) as JsonObject;
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            return new MemberAnswer(status, [], Diagnostics(body) ?? $"HTTP {status}");
        }

        var records = (body?["entry"] as JsonArray ?? []).Select(e => e?["resource"] as JsonObject).OfType<JsonObject>().ToList();
        return new MemberAnswer(status, [.. records.Select(r => (JsonObject)r.DeepClone())], null);
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
