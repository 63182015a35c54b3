using System.Security.Cryptography;
using CareLedger.Vault.Records;

namespace CareLedger.Vault.Tests.Records;

public sealed class SealedRecordFormatTests
{
    private readonly byte[] _dek = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void Round_trips_content_behind_a_32_byte_salt_and_commits_to_both()
    {
        var sealedRecord = SealedRecordFormat.Seal(_dek, "aad"u8, "{\"a\":1}"u8);

        var opened = SealedRecordFormat.Open(_dek, "aad"u8, sealedRecord.Nonce, sealedRecord.Ciphertext, sealedRecord.Tag);

        Assert.Equal((12, 16, 32 + 7), (sealedRecord.Nonce.Length, sealedRecord.Tag.Length, sealedRecord.Ciphertext.Length));
        Assert.Equal("{\"a\":1}"u8.ToArray(), SealedRecordFormat.Content(opened));
        Assert.Equal(SHA256.HashData(opened), sealedRecord.Commitment);
        Assert.True(SealedRecordFormat.MatchesCommitment(opened, sealedRecord.Commitment));
    }

    [Fact]
    public void Sealing_the_same_content_twice_gives_unrelated_ciphertexts_and_commitments()
    {
        var first = SealedRecordFormat.Seal(_dek, "aad"u8, "same"u8);
        var second = SealedRecordFormat.Seal(_dek, "aad"u8, "same"u8);

        Assert.NotEqual(first.Nonce, second.Nonce);
        Assert.NotEqual(first.Ciphertext, second.Ciphertext);
        Assert.NotEqual(first.Commitment, second.Commitment);
        Assert.NotEqual(SHA256.HashData("same"u8), first.Commitment);
    }

    [Fact]
    public void Other_associated_data_fails_to_open()
    {
        var sealedRecord = SealedRecordFormat.Seal(_dek, "aad"u8, "x"u8);

        Assert.ThrowsAny<CryptographicException>(() =>
            SealedRecordFormat.Open(_dek, "other"u8, sealedRecord.Nonce, sealedRecord.Ciphertext, sealedRecord.Tag));
    }
}
