using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Access.Credentials;

/// <summary>
/// A credential secured as <c>application/vc+jwt</c> (W3C VC-JOSE-COSE): a JWS compact serialisation (RFC 7515) whose
/// payload is the unsecured credential itself, protected header <c>{"alg":"ES256","typ":"vc+jwt","cty":"vc","kid":&lt;issuer
/// key id hex&gt;}</c>, signed with the issuer's ECDSA P-256 author key (ES256 = the 64-byte IEEE P1363 signature of ADR 0001).
/// </summary>
public sealed class VcJwt
{
    public const string MediaType = "application/vc+jwt";
    public const string TypeHeader = "vc+jwt";
    public const string ContentTypeHeader = "vc";
    public const string Algorithm = "ES256";
    public const int MaxLength = 32 * 1024;

    private readonly byte[] signingInput;
    private readonly byte[] signature;

    private VcJwt(string text, KeyId keyId, byte[] payload, byte[] signingInput, byte[] signature)
    {
        Text = text;
        KeyId = keyId;
        Payload = payload;
        this.signingInput = signingInput;
        this.signature = signature;
    }

    /// <summary>The compact serialisation, exactly as given.</summary>
    public string Text { get; }

    /// <summary>The issuer key named by the header's <c>kid</c>.</summary>
    public KeyId KeyId { get; }

    /// <summary>The decoded payload: the credential's JSON.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>SHA-256 of the compact text's bytes: what the ledger's credential digest names.</summary>
    public byte[] Digest => DigestOf(Text);

    public static byte[] DigestOf(string compact) => SHA256.HashData(Encoding.ASCII.GetBytes(compact));

    public static string Sign(PractitionerLicenceCredential credential, AuthorKey issuerKey)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(issuerKey);
        var header = Base64Url.EncodeToString(HeaderJson(issuerKey.Id));
        var payload = Base64Url.EncodeToString(credential.ToJsonUtf8());
        var input = header + "." + payload;
        return input + "." + Base64Url.EncodeToString(issuerKey.Sign(Encoding.ASCII.GetBytes(input)));
    }

    /// <exception cref="FormatException">not a compact ES256 vc+jwt; the message says what is wrong.</exception>
    public static VcJwt Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var compact = text.Trim();
        if (compact.Length is 0 or > MaxLength)
        {
            throw new FormatException($"a VC-JWT is 1 to {MaxLength} characters, not {compact.Length}");
        }

        var parts = compact.Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException($"a VC-JWT has three base64url parts separated by '.', not {parts.Length}");
        }

        var keyId = ReadHeader(Decode(parts[0], "header"));
        var payload = Decode(parts[1], "payload");
        var signature = Decode(parts[2], "signature");
        if (signature.Length != AuthorSignature.SignatureLength)
        {
            throw new FormatException($"an ES256 signature is {AuthorSignature.SignatureLength} bytes, not {signature.Length}");
        }

        return new VcJwt(compact, keyId, payload, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature);
    }

    /// <summary>Whether the signature is valid for the issuer's public key (SubjectPublicKeyInfo DER).</summary>
    public bool VerifySignature(ReadOnlySpan<byte> issuerSpki) => AuthorSignature.Verify(issuerSpki, signingInput, signature);

    private static byte[] HeaderJson(KeyId keyId)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", Algorithm);
            writer.WriteString("typ", TypeHeader);
            writer.WriteString("cty", ContentTypeHeader);
            writer.WriteString("kid", keyId.ToString());
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static KeyId ReadHeader(byte[] json)
    {
        using var document = ParseJson(json, "header");
        var header = document.RootElement;
        if (header.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the JOSE header must be a JSON object");
        }

        if (HeaderText(header, "alg") != Algorithm)
        {
            throw new FormatException($"the JOSE header's alg must be {Algorithm}");
        }

        if (HeaderText(header, "typ") != TypeHeader)
        {
            throw new FormatException($"the JOSE header's typ must be {TypeHeader}");
        }

        if (header.TryGetProperty("cty", out _) && HeaderText(header, "cty") != ContentTypeHeader)
        {
            throw new FormatException($"the JOSE header's cty, when present, must be {ContentTypeHeader}");
        }

        if (header.TryGetProperty("crit", out _))
        {
            throw new FormatException("the JOSE header names critical extensions (crit) that this verifier does not understand");
        }

        var kid = HeaderText(header, "kid");
        return kid is not null && KeyId.TryParse(kid, out var keyId)
            ? keyId
            : throw new FormatException("the JOSE header's kid must be the issuer's key id (64 hex digits)");
    }

    private static string? HeaderText(JsonElement header, string name) =>
        header.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonDocument ParseJson(byte[] json, string part)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"the {part} is not JSON: {e.Message}", e);
        }
    }

    private static byte[] Decode(string part, string name)
    {
        if (part.Length == 0 || part.Contains('='))
        {
            throw new FormatException($"the {name} must be unpadded, non-empty base64url");
        }

        try
        {
            return Base64Url.DecodeFromChars(part);
        }
        catch (FormatException e)
        {
            throw new FormatException($"the {name} is not base64url: {e.Message}", e);
        }
    }
}
