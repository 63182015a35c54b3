using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace CareLedger.Ledger.Crypto;

/// <summary>
/// Verification of author signatures. Importing a SubjectPublicKeyInfo costs more than the verification
/// itself, so imported public keys are cached by <see cref="KeyId"/>; OpenSSL allows one public key to be
/// used by many threads at once for verification.
/// </summary>
public static class AuthorSignature
{
    public const int SignatureLength = 64;

    private const int MaxCachedKeys = 16_384;
    private static readonly ConcurrentDictionary<KeyId, ECDsa?> PublicKeys = new();

    /// <summary>True when <paramref name="signature"/> (IEEE P1363, 64 bytes) is valid for SHA-256(<paramref name="message"/>).</summary>
    public static bool Verify(ReadOnlySpan<byte> spki, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(message, digest);
        return VerifyDigest(KeyId.FromSpki(spki), spki, digest, signature);
    }

    /// <summary>As <see cref="Verify"/> over a digest computed by the caller; <paramref name="id"/> must be the id of <paramref name="spki"/>.</summary>
    internal static bool VerifyDigest(KeyId id, ReadOnlySpan<byte> spki, ReadOnlySpan<byte> sha256Digest, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        var key = PublicKeyFor(id, spki);
        return key is not null && key.VerifyHash(sha256Digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>True when <paramref name="spki"/> is a well-formed ECDSA P-256 public key.</summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> spki) => PublicKeyFor(KeyId.FromSpki(spki), spki) is not null;

    private static ECDsa? PublicKeyFor(KeyId id, ReadOnlySpan<byte> spki)
    {
        if (PublicKeys.TryGetValue(id, out var cached))
        {
            return cached;
        }

        var imported = Import(spki);
        if (PublicKeys.Count >= MaxCachedKeys)
        {
            // Evicted keys are not disposed: another thread may be verifying with one; the finalizer frees them.
            PublicKeys.Clear();
        }

        return PublicKeys.GetOrAdd(id, imported);
    }

    private static ECDsa? Import(ReadOnlySpan<byte> spki)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read == spki.Length && AuthorKey.IsP256(ecdsa))
            {
                return ecdsa;
            }
        }
        catch (CryptographicException)
        {
        }

        ecdsa.Dispose();
        return null;
    }
}
