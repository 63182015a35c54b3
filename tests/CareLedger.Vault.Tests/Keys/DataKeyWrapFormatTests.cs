using System.Security.Cryptography;
using CareLedger.Vault.Keys;

namespace CareLedger.Vault.Tests.Keys;

public sealed class DataKeyWrapFormatTests
{
    private readonly byte[] _kek = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _dek = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void Round_trips_a_data_key_in_61_bytes_of_format_1()
    {
        var wrapped = DataKeyWrapFormat.Wrap(_kek, "kek-1", _dek, "patient:00"u8);

        Assert.Equal(61, wrapped.Length);
        Assert.Equal(1, wrapped[0]);
        Assert.Equal(_dek, DataKeyWrapFormat.Unwrap(_kek, "kek-1", wrapped, "patient:00"u8));
    }

    [Fact]
    public void Wrapping_twice_gives_different_bytes()
    {
        Assert.NotEqual(DataKeyWrapFormat.Wrap(_kek, "kek-1", _dek, "x"u8), DataKeyWrapFormat.Wrap(_kek, "kek-1", _dek, "x"u8));
    }

    [Fact]
    public void Another_context_or_key_version_label_fails_to_unwrap()
    {
        var wrapped = DataKeyWrapFormat.Wrap(_kek, "kek-1", _dek, "patient:00"u8);

        Assert.ThrowsAny<CryptographicException>(() => DataKeyWrapFormat.Unwrap(_kek, "kek-1", wrapped, "patient:01"u8));
        Assert.ThrowsAny<CryptographicException>(() => DataKeyWrapFormat.Unwrap(_kek, "kek-2", wrapped, "patient:00"u8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(60)]
    public void Any_flipped_byte_fails_to_unwrap(int position)
    {
        var wrapped = DataKeyWrapFormat.Wrap(_kek, "kek-1", _dek, "c"u8);
        wrapped[position] ^= 0x01;

        Assert.ThrowsAny<CryptographicException>(() => DataKeyWrapFormat.Unwrap(_kek, "kek-1", wrapped, "c"u8));
    }

    [Fact]
    public void Only_32_byte_data_keys_are_wrapped()
    {
        Assert.Throws<ArgumentException>(() => DataKeyWrapFormat.Wrap(_kek, "kek-1", new byte[16], "c"u8));
    }
}
