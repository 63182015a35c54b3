using System.Security.Cryptography;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Ledger.Tests.Crypto;

public class KeyIdTests
{
    [Fact]
    public void A_key_id_is_the_sha256_of_the_subject_public_key_info()
    {
        using var key = AuthorKey.Generate();

        Assert.Equal(SHA256.HashData(key.PublicKeySpki), key.Id.ToArray());
        Assert.Equal(key.Id, KeyId.FromSpki(key.PublicKeySpki));
    }

    [Fact]
    public void Hex_text_round_trips_and_is_lowercase()
    {
        using var key = AuthorKey.Generate();
        var text = key.Id.ToString();

        Assert.Equal(64, text.Length);
        Assert.Equal(text.ToLowerInvariant(), text);
        Assert.Equal(key.Id, KeyId.Parse(text));
        Assert.Equal(key.Id, KeyId.Parse(text.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("00000000000000000000000000000000000000000000000000000000000000000")]
    public void Parsing_rejects_anything_but_64_hex_digits(string text)
    {
        Assert.False(KeyId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => KeyId.Parse(text));
    }

    [Fact]
    public void Construction_requires_exactly_32_bytes()
    {
        Assert.Throws<ArgumentException>(() => new KeyId(new byte[31]));
        Assert.Equal(new KeyId(new byte[32]), new KeyId(new byte[32]));
    }
}
