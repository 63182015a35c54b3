using CareLedger.IO;
using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Ledger.Crypto;

/// <summary>
/// An author's ECDSA P-256 signing key (ADR 0001): signatures are the 64-byte IEEE P1363 form r ‖ s over
/// SHA-256; the key is stored as a PKCS#8 PEM file readable only by its owner.
/// </summary>
public sealed class AuthorKey : IDisposable
{
    private const string PrivateKeyLabel = "PRIVATE KEY";
    private readonly ECDsa key;

    private AuthorKey(ECDsa key)
    {
        this.key = key;
        PublicKeySpki = key.ExportSubjectPublicKeyInfo();
        Id = KeyId.FromSpki(PublicKeySpki);
    }

    public KeyId Id { get; }

    /// <summary>The public key as SubjectPublicKeyInfo DER, what the ledger registers.</summary>
    public byte[] PublicKeySpki { get; }

    public static AuthorKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static AuthorKey Load(string path)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"author key file '{path}' does not exist", path);
        }

        try
        {
            return FromPkcs8Pem(pem);
        }
        catch (FormatException e)
        {
            throw new FormatException($"author key file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads an unencrypted PKCS#8 PEM ("PRIVATE KEY") holding a P-256 key.</summary>
    public static AuthorKey FromPkcs8Pem(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] is not PrivateKeyLabel)
        {
            throw new FormatException($"expected a PEM block labelled '{PrivateKeyLabel}' (PKCS#8)");
        }

        var der = Convert.FromBase64String(pem[fields.Base64Data].ToString());
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportPkcs8PrivateKey(der, out _);
            if (!IsP256(ecdsa))
            {
                throw new FormatException("the key is not an ECDSA P-256 key");
            }

            return new AuthorKey(ecdsa);
        }
        catch (CryptographicException e)
        {
            ecdsa.Dispose();
            throw new FormatException($"not a PKCS#8 ECDSA private key: {e.Message}", e);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }

    public void Save(string path)
    {
        var pem = Encoding.UTF8.GetBytes(key.ExportPkcs8PrivateKeyPem());
        try
        {
            SecureFile.WriteAllBytes(path, pem);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pem);
        }
    }

    /// <summary>Signs SHA-256(<paramref name="message"/>); 64 bytes r ‖ s.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) =>
        key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    /// <summary>Signs a SHA-256 digest computed by the caller (for domain-separated messages hashed in parts).</summary>
    internal byte[] SignDigest(ReadOnlySpan<byte> sha256Digest) =>
        key.SignHash(sha256Digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose() => key.Dispose();

    internal static bool IsP256(ECDsa ecdsa) =>
        ecdsa.KeySize == 256 && ecdsa.ExportParameters(includePrivateParameters: false).Curve.Oid?.Value == ECCurve.NamedCurves.nistP256.Oid.Value;
}
