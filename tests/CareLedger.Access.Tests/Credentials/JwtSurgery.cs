using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;

namespace CareLedger.Access.Tests.Credentials;

/// <summary>Takes VC-JWTs apart and puts altered ones together, as a forger would.</summary>
internal static class JwtSurgery
{
    public static JsonObject Header(string jwt) => Part(jwt, 0);

    public static JsonObject Payload(string jwt) => Part(jwt, 1);

    /// <summary>The same header and signature around an altered payload.</summary>
    public static string WithPayload(string jwt, Action<JsonObject> alter)
    {
        var parts = jwt.Split('.');
        var payload = Payload(jwt);
        alter(payload);
        return parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString())) + "." + parts[2];
    }

    /// <summary>One bit of the signature flipped.</summary>
    public static string WithFlippedSignatureBit(string jwt)
    {
        var parts = jwt.Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 0x01;
        return parts[0] + "." + parts[1] + "." + Base64Url.EncodeToString(signature);
    }

    private static JsonObject Part(string jwt, int index) =>
        JsonNode.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[index]))!.AsObject();
}
