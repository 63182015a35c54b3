using System.Text;
using CareLedger.Access.Credentials;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Access.Tests.Credentials;

public sealed class VcJwtTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 25, 9, 30, 0, TimeSpan.Zero);

    private static PractitionerLicenceCredential Credential(KeyId issuer) => new(
        "urn:uuid:7d1c0b1e-3f0a-4c55-8a11-6a0b6c1d2e3f", CredentialIdentifiers.IssuerFor(issuer), From, From.AddYears(1),
        "https://node.example.org/fhir/Practitioner/dr-1", new PractitionerLicence("MED-004211", "general practice"));

    [Fact]
    public void A_signed_credential_is_a_compact_es256_vc_jwt_whose_payload_is_the_credential()
    {
        using var key = AuthorKey.Generate();

        var jwt = VcJwt.Sign(Credential(key.Id), key);

        var header = JwtSurgery.Header(jwt);
        Assert.Equal(("ES256", "vc+jwt", "vc", key.Id.ToString()), ((string)header["alg"]!, (string)header["typ"]!, (string)header["cty"]!, (string)header["kid"]!));
        var payload = JwtSurgery.Payload(jwt);
        Assert.Equal("https://www.w3.org/ns/credentials/v2", (string)payload["@context"]![0]!);
        Assert.Equal(["VerifiableCredential", "PractitionerLicenceCredential"], payload["type"]!.AsArray().Select(t => (string)t!));
        Assert.Equal("2026-11-25T09:30:00Z", (string)payload["validFrom"]!);
        Assert.Equal("2027-11-25T09:30:00Z", (string)payload["validUntil"]!);
        Assert.Equal("MED-004211", (string)payload["credentialSubject"]!["licenceNumber"]!);
        Assert.Null(payload["vc"]);
        var parsed = VcJwt.Parse(jwt);
        Assert.Equal(key.Id, parsed.KeyId);
        Assert.True(parsed.VerifySignature(key.PublicKeySpki));
        Assert.Equal(Credential(key.Id), PractitionerLicenceCredential.Parse(parsed.Payload.Span));
    }

    [Fact]
    public void The_signature_is_ecdsa_p256_over_the_jws_signing_input()
    {
        using var key = AuthorKey.Generate();
        var jwt = VcJwt.Sign(Credential(key.Id), key);
        var parts = jwt.Split('.');

        var signature = System.Buffers.Text.Base64Url.DecodeFromChars(parts[2]);

        Assert.Equal(64, signature.Length);
        Assert.True(AuthorSignature.Verify(key.PublicKeySpki, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature));
    }

    [Theory]
    [InlineData("{\"alg\":\"ES384\",\"typ\":\"vc+jwt\",\"kid\":\"K\"}", "alg")]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"K\"}", "typ")]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"vc+jwt\",\"kid\":\"nope\"}", "kid")]
    [InlineData("{\"alg\":\"ES256\",\"typ\":\"vc+jwt\",\"kid\":\"K\",\"crit\":[\"b64\"]}", "crit")]
    public void A_header_other_than_es256_vc_jwt_with_a_key_id_is_refused(string header, string named)
    {
        using var key = AuthorKey.Generate();
        var parts = VcJwt.Sign(Credential(key.Id), key).Split('.');
        var altered = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header.Replace("\"K\"", $"\"{key.Id}\"", StringComparison.Ordinal)));

        var error = Assert.Throws<FormatException>(() => VcJwt.Parse(altered + "." + parts[1] + "." + parts[2]));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"@context\":[\"https://www.w3.org/2018/credentials/v1\"]}", "@context")]
    [InlineData("{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":[\"VerifiableCredential\"]}", "type")]
    [InlineData("{\"@context\":\"https://www.w3.org/ns/credentials/v2\",\"type\":[\"VerifiableCredential\",\"PractitionerLicenceCredential\"],\"id\":\"urn:uuid:x\"}", "id")]
    [InlineData("[1,2]", "object")]
    [InlineData("{", "JSON")]
    public void A_document_that_is_not_a_practitioner_licence_credential_is_refused_naming_the_member(string json, string named)
    {
        var error = Assert.Throws<FormatException>(() => PractitionerLicenceCredential.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dates_without_a_time_zone_or_in_the_wrong_order_are_refused()
    {
        using var key = AuthorKey.Generate();
        var json = Encoding.UTF8.GetString(Credential(key.Id).ToJsonUtf8());

        var local = json.Replace("2026-11-25T09:30:00Z", "2026-11-25T09:30:00", StringComparison.Ordinal);
        var reversed = json.Replace("2027-11-25T09:30:00Z", "2025-11-25T09:30:00Z", StringComparison.Ordinal);

        Assert.Contains("validFrom", Assert.Throws<FormatException>(() => PractitionerLicenceCredential.Parse(Encoding.UTF8.GetBytes(local))).Message, StringComparison.Ordinal);
        Assert.Contains("after validFrom", Assert.Throws<FormatException>(() => PractitionerLicenceCredential.Parse(Encoding.UTF8.GetBytes(reversed))).Message, StringComparison.Ordinal);
    }
}
