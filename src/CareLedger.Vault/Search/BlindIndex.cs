using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Vault.Search;

/// <summary>
/// Keyed tokens for values that may be searched by equality but never stored: HMAC-SHA256 under the keyring's
/// blind-index secret, truncated to 16 bytes, base64url (22 characters). Domain-separated by a first byte:
/// <c>0x01 ‖ parameter ‖ 0x00 ‖ value</c> for blinded tokens, <c>0x02 ‖ target</c> for references.
/// </summary>
internal sealed class BlindIndex(byte[] key) : IDisposable
{
    public const int TokenBytes = 16;

    public string Token(string parameter, string normalizedValue)
    {
        var message = new byte[1 + Encoding.UTF8.GetByteCount(parameter) + 1 + Encoding.UTF8.GetByteCount(normalizedValue)];
        message[0] = 0x01;
        var written = Encoding.UTF8.GetBytes(parameter, message.AsSpan(1));
        Encoding.UTF8.GetBytes(normalizedValue, message.AsSpan(1 + written + 1));
        return Mac(message);
    }

    public string Reference(string target)
    {
        var message = new byte[1 + Encoding.UTF8.GetByteCount(target)];
        message[0] = 0x02;
        Encoding.UTF8.GetBytes(target, message.AsSpan(1));
        return Mac(message);
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(key);

    private string Mac(byte[] message)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, message, mac);
        CryptographicOperations.ZeroMemory(message);
        return Base64Url.EncodeToString(mac[..TokenBytes]);
    }
}
