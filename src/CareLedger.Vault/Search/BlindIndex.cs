using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CareLedger.Vault.Records;

namespace CareLedger.Vault.Search;

/// <summary>
/// Keyed tokens for values that may be searched by equality but never stored: HMAC-SHA256 under the keyring's
/// blind-index secret, truncated to 16 bytes, base64url (22 characters). Domain-separated by a first byte:
/// <c>0x01 ‖ parameter ‖ 0x00 ‖ value</c> for blinded tokens, <c>0x02 ‖ target</c> for references.
/// </summary>
internal sealed class BlindIndex(byte[] key) : IDisposable
{
    public const int TokenBytes = 16;

    /// <summary>Messages up to this size are built on the stack (names, codes, references); longer ones on the heap.</summary>
    private const int StackMessageBytes = 512;

    private readonly ReusedHmac _mac = new(key);

    public string Token(string parameter, string normalizedValue)
    {
        var length = 1 + Encoding.UTF8.GetByteCount(parameter) + 1 + Encoding.UTF8.GetByteCount(normalizedValue);
        var message = length <= StackMessageBytes ? stackalloc byte[length] : new byte[length];
        message[0] = 0x01;
        var written = Encoding.UTF8.GetBytes(parameter, message[1..]);
        message[1 + written] = 0x00;
        Encoding.UTF8.GetBytes(normalizedValue, message[(1 + written + 1)..]);
        return Mac(message);
    }

    public string Reference(string target)
    {
        var length = 1 + Encoding.UTF8.GetByteCount(target);
        var message = length <= StackMessageBytes ? stackalloc byte[length] : new byte[length];
        message[0] = 0x02;
        Encoding.UTF8.GetBytes(target, message[1..]);
        return Mac(message);
    }

    public void Dispose() => _mac.Dispose();

    private string Mac(Span<byte> message)
    {
        Span<byte> mac = stackalloc byte[ReusedHmac.HashBytes];
        _mac.Compute(message, mac);
        CryptographicOperations.ZeroMemory(message);
        return Base64Url.EncodeToString(mac[..TokenBytes]);
    }
}
