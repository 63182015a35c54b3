using CareLedger.IO;
using System.Security.Cryptography;
using System.Text;
using CareLedger.Ledger.Crypto;
using Microsoft.IdentityModel.Tokens;

namespace CareLedger.Identity.Keys;

/// <summary>
/// The authorisation server's keys, kept in DATA/keys (mode 0600, written atomically) so that tokens issued before a
/// restart stay valid after it: an RSA-2048 key signing JWTs (RS256, the algorithm every OpenID Connect client
/// supports) and an AES-256 key encrypting authorization codes and refresh tokens.
/// </summary>
internal sealed class IdentityKeys
{
    public const string SigningKeyFile = "identity-signing.pem";
    public const string EncryptionKeyFile = "identity-encryption.key";

    private IdentityKeys(RsaSecurityKey signing, SymmetricSecurityKey encryption)
    {
        Signing = signing;
        Encryption = encryption;
    }

    public RsaSecurityKey Signing { get; }

    public SymmetricSecurityKey Encryption { get; }

    public static IdentityKeys LoadOrCreate(string keysDirectory)
    {
        var rsa = RSA.Create();
        var signingPath = Path.Combine(keysDirectory, SigningKeyFile);
        if (File.Exists(signingPath))
        {
            try
            {
                rsa.ImportFromPem(File.ReadAllText(signingPath));
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{signingPath} is not a PEM RSA private key: {e.Message}", e);
            }
        }
        else
        {
            rsa.KeySize = 2048;
            SecureFile.WriteAllBytes(signingPath, Encoding.ASCII.GetBytes(rsa.ExportPkcs8PrivateKeyPem() + "\n"));
        }

        var signing = new RsaSecurityKey(rsa);
        signing.KeyId = Base64UrlEncoder.Encode(signing.ComputeJwkThumbprint());

        var encryptionPath = Path.Combine(keysDirectory, EncryptionKeyFile);
        byte[] secret;
        if (File.Exists(encryptionPath))
        {
            try
            {
                secret = Convert.FromBase64String(File.ReadAllText(encryptionPath).Trim());
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"{encryptionPath} is not base64: {e.Message}", e);
            }

            if (secret.Length != 32)
            {
                throw new InvalidDataException($"{encryptionPath} holds {secret.Length} bytes; an AES-256 key is 32");
            }
        }
        else
        {
            secret = RandomNumberGenerator.GetBytes(32);
            SecureFile.WriteAllBytes(encryptionPath, Encoding.ASCII.GetBytes(Convert.ToBase64String(secret) + "\n"));
        }

        return new IdentityKeys(signing, new SymmetricSecurityKey(secret));
    }
}
