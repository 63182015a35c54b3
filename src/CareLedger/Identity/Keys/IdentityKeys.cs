using CareLedger.IO;
using System.Security.Cryptography;
using System.Text;
using CareLedger.Ledger.Crypto;
using Microsoft.IdentityModel.Tokens;

namespace CareLedger.Identity.Keys;

/// <summary>
/// The authorisation server's keys, kept in DATA/keys (mode 0600, written atomically) so that tokens issued before a
/// restart stay valid after it: an RSA-2048 key signing ID tokens (RS256, the algorithm every OpenID Connect client
/// supports), a P-256 key signing access tokens (ES256: a 64-byte signature where RS256 needs 256, so every bearer
/// token sent to the node is 256 characters shorter; docs/adr/0014-es256-access-tokens.md) and an AES-256 key
/// encrypting authorization codes and refresh tokens.
/// </summary>
internal sealed class IdentityKeys
{
    public const string SigningKeyFile = "identity-signing.pem";
    public const string AccessTokenSigningKeyFile = "identity-access-signing.pem";
    public const string EncryptionKeyFile = "identity-encryption.key";

    private IdentityKeys(RsaSecurityKey signing, ECDsaSecurityKey accessTokenSigning, SymmetricSecurityKey encryption)
    {
        Signing = signing;
        AccessTokenSigning = accessTokenSigning;
        Encryption = encryption;
    }

    /// <summary>RS256: ID tokens, and whatever OpenIddict signs by default (codes and refresh tokens are also encrypted).</summary>
    public RsaSecurityKey Signing { get; }

    /// <summary>ES256 (P-256): access tokens only.</summary>
    public ECDsaSecurityKey AccessTokenSigning { get; }

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

        // A node made before access tokens were ES256 gets its P-256 key on its next start; tokens it issued with RS256
        // stay valid until they expire, because the RSA key remains a signing key the node validates with.
        var ecdsa = ECDsa.Create();
        var accessSigningPath = Path.Combine(keysDirectory, AccessTokenSigningKeyFile);
        if (File.Exists(accessSigningPath))
        {
            try
            {
                ecdsa.ImportFromPem(File.ReadAllText(accessSigningPath));
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{accessSigningPath} is not a PEM EC private key: {e.Message}", e);
            }

            if (ecdsa.KeySize != 256)
            {
                throw new InvalidDataException($"{accessSigningPath} holds a {ecdsa.KeySize}-bit EC key; ES256 needs a P-256 key");
            }
        }
        else
        {
            ecdsa.GenerateKey(ECCurve.NamedCurves.nistP256);
            SecureFile.WriteAllBytes(accessSigningPath, Encoding.ASCII.GetBytes(ecdsa.ExportPkcs8PrivateKeyPem() + "\n"));
        }

        var accessTokenSigning = new ECDsaSecurityKey(ecdsa);
        accessTokenSigning.KeyId = Base64UrlEncoder.Encode(accessTokenSigning.ComputeJwkThumbprint());

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

        return new IdentityKeys(signing, accessTokenSigning, new SymmetricSecurityKey(secret));
    }
}
