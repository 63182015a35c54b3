using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CareLedger.Vault.Records;
using CareLedger.Vault.Search;

namespace CareLedger.Vault.Tests.Search;

/// <summary>
/// The blind index and the record references hash with a context kept per thread (<see cref="ReusedHmac"/>): the tokens
/// already stored must stay what the one-shot definition gives, or stored rows stop matching searches.
/// </summary>
public sealed class BlindIndexBytesTests
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public static TheoryData<string, string> Values => new()
    {
        { "name", "quillfeather" },
        { "identifier", "urn:oid:1.2.3|mrn-884211" },
        { "address", "Žabljak ulica 7, 81000 Podgorica" },
        { "name", "" + new string('x', 700) },
        { "", "a" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Tokens_and_references_equal_the_one_shot_definition_on_every_thread(string parameter, string value)
    {
        using var blind = new BlindIndex((byte[])_key.Clone());
        var token = Definition([0x01, .. Encoding.UTF8.GetBytes(parameter), 0x00, .. Encoding.UTF8.GetBytes(value)]);
        var reference = Definition([0x02, .. Encoding.UTF8.GetBytes(value)]);

        // Several threads at once, each several times: every context is reset after each use.
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            Assert.Equal(token, blind.Token(parameter, value));
            Assert.Equal(reference, blind.Reference(value));
            Assert.Equal(token, blind.Token(parameter, value));
        });
    }

    [Fact]
    public void A_reused_hmac_equals_the_one_shot_hmac_and_zeroes_its_key_when_disposed()
    {
        var key = (byte[])_key.Clone();
        var mac = new ReusedHmac(key);
        var messages = Enumerable.Range(0, 40).Select(i => RandomNumberGenerator.GetBytes(i * 7)).ToList();

        foreach (var message in messages.Concat(messages))
        {
            Assert.Equal(HMACSHA256.HashData(_key, message), mac.Compute(message));
        }

        mac.Dispose();
        Assert.All(key, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => mac.Compute("x"u8));
    }

    private string Definition(byte[] message) => Base64Url.EncodeToString(HMACSHA256.HashData(_key, message).AsSpan(0, BlindIndex.TokenBytes));
}
