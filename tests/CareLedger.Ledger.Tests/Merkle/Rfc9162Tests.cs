using System.Security.Cryptography;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Tests.Merkle;

public class Rfc9162Tests
{
    [Fact]
    public void Leaf_hash_is_sha256_of_zero_byte_and_entry()
    {
        byte[] entry = [1, 2, 3];
        Assert.Equal(SHA256.HashData([0x00, 1, 2, 3]), Rfc9162.HashLeaf(entry));
        var destination = new byte[32];
        Rfc9162.HashLeaf(entry, destination);
        Assert.Equal(SHA256.HashData([0x00, 1, 2, 3]), destination);
    }

    [Fact]
    public void Large_entries_hash_the_same_as_one_sha256_call()
    {
        var entry = new byte[100_000];
        new Random(7).NextBytes(entry);
        Assert.Equal(SHA256.HashData([0x00, .. entry]), Rfc9162.HashLeaf(entry));
    }

    [Fact]
    public void Leaf_hashes_with_a_reused_context_are_the_one_shot_definition_leaf_after_leaf()
    {
        var random = new Random(11);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var destination = new byte[32];
        foreach (var length in new[] { 0, 1, 32, 2047, 2048, 2049, 70_000, 32 })
        {
            var entry = new byte[length];
            random.NextBytes(entry);
            Rfc9162.HashLeaf(sha, entry, destination);
            Assert.Equal(SHA256.HashData([0x00, .. entry]), destination);
        }
    }

    [Fact]
    public void A_reused_context_of_another_algorithm_or_a_short_destination_is_refused()
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        Assert.Throws<ArgumentException>(() => Rfc9162.HashLeaf(sha1, [1, 2, 3], new byte[32]));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Assert.Throws<ArgumentException>(() => Rfc9162.HashLeaf(sha, [1, 2, 3], new byte[31]));
    }

    [Fact]
    public void Node_hash_is_sha256_of_one_byte_left_and_right()
    {
        var left = SHA256.HashData([1]);
        var right = SHA256.HashData([2]);
        Assert.Equal(SHA256.HashData([0x01, .. left, .. right]), Rfc9162.HashChildren(left, right));
    }

    [Fact]
    public void Empty_root_is_sha256_of_nothing()
    {
        Assert.Equal(Convert.FromHexString("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), Rfc9162.EmptyRoot);
        Rfc9162.EmptyRoot[0] ^= 1;
        Assert.Equal(0xe3, Rfc9162.EmptyRoot[0]);
    }

    [Fact]
    public void Children_of_the_wrong_length_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Rfc9162.HashChildren(new byte[31], new byte[32]));
    }
}
