using System.Security.Cryptography;
using System.Text;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Tests.Engine;

namespace CareLedger.Ledger.Tests.Crypto;

public class AuthorKeyTests
{
    private static readonly byte[] Message = "careledger test message"u8.ToArray();

    [Fact]
    public void A_signature_is_64_bytes_and_verifies_with_the_public_key()
    {
        using var key = AuthorKey.Generate();

        var signature = key.Sign(Message);

        Assert.Equal(64, signature.Length);
        Assert.True(AuthorSignature.Verify(key.PublicKeySpki, Message, signature));
    }

    [Fact]
    public void A_signature_is_standard_ecdsa_p256_sha256_in_ieee_p1363_form()
    {
        using var key = AuthorKey.Generate();
        using var independent = ECDsa.Create();
        independent.ImportSubjectPublicKeyInfo(key.PublicKeySpki, out _);

        Assert.True(independent.VerifyData(Message, key.Sign(Message), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(256, independent.KeySize);
    }

    [Fact]
    public void Verification_fails_for_another_message_a_flipped_bit_or_another_key()
    {
        using var key = AuthorKey.Generate();
        using var other = AuthorKey.Generate();
        var signature = key.Sign(Message);
        var flipped = (byte[])signature.Clone();
        flipped[10] ^= 0x01;

        Assert.False(AuthorSignature.Verify(key.PublicKeySpki, "another message"u8, signature));
        Assert.False(AuthorSignature.Verify(key.PublicKeySpki, Message, flipped));
        Assert.False(AuthorSignature.Verify(other.PublicKeySpki, Message, signature));
        Assert.False(AuthorSignature.Verify(key.PublicKeySpki, Message, signature.AsSpan(0, 63)));
    }

    [Fact]
    public void Verification_with_a_malformed_public_key_is_false_not_an_exception()
    {
        Assert.False(AuthorSignature.Verify([1, 2, 3], Message, new byte[64]));
        Assert.False(AuthorSignature.IsValidPublicKey([0x30, 0x03, 0x02, 0x01, 0x01]));
    }

    [Fact]
    public void A_saved_key_loads_back_with_the_same_id_and_is_readable_only_by_its_owner()
    {
        using var directory = new TempDirectory("author-key");
        var path = directory.Combine("author.key");
        using var key = AuthorKey.Generate();

        key.Save(path);
        using var loaded = AuthorKey.Load(path);

        Assert.Equal(key.Id, loaded.Id);
        Assert.True(AuthorSignature.Verify(key.PublicKeySpki, Message, loaded.Sign(Message)));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(path), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void Loading_a_public_key_or_a_non_p256_key_is_refused_with_a_clear_message()
    {
        using var directory = new TempDirectory("author-key");
        using var key = AuthorKey.Generate();
        var publicPem = PemEncoding.WriteString("PUBLIC KEY", key.PublicKeySpki);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var p384Path = directory.Combine("p384.key");
        File.WriteAllText(p384Path, p384.ExportPkcs8PrivateKeyPem(), Encoding.ASCII);

        Assert.Contains("PRIVATE KEY", Assert.Throws<FormatException>(() => AuthorKey.FromPkcs8Pem(publicPem)).Message, StringComparison.Ordinal);
        Assert.Contains("P-256", Assert.Throws<FormatException>(() => AuthorKey.Load(p384Path)).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => AuthorKey.Load(directory.Combine("missing.key")));
    }
}
