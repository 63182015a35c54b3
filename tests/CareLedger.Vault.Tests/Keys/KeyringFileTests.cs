using System.Text;
using CareLedger.Vault.Keys;

namespace CareLedger.Vault.Tests.Keys;

public sealed class KeyringFileTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Round_trips_every_key_and_secret()
    {
        var original = KeyringFile.CreateNew(Now).WithNewKey(Now.AddDays(1));

        var parsed = KeyringFile.Parse(original.Serialize());

        Assert.Equal("kek-2", parsed.CurrentKeyId);
        Assert.Equal(original.Keys.Select(k => (k.Id, k.CreatedUnixMs)), parsed.Keys.Select(k => (k.Id, k.CreatedUnixMs)));
        Assert.All(original.Keys.Zip(parsed.Keys), pair => Assert.Equal(pair.First.Key, pair.Second.Key));
        foreach (var purpose in Enum.GetValues<VaultSecretPurpose>())
        {
            Assert.Equal(original.Secrets[purpose], parsed.Secrets[purpose]);
        }
    }

    [Fact]
    public void Secrets_and_keys_are_independent_random_values()
    {
        var keyring = KeyringFile.CreateNew(Now);
        var all = keyring.Secrets.Values.Append(keyring.Keys[0].Key).Select(Convert.ToHexString).ToList();

        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(keyring.Secrets.Values, s => Assert.Equal(32, s.Length));
    }

    [Fact]
    public void Retiring_the_current_key_is_refused()
    {
        var keyring = KeyringFile.CreateNew(Now).WithNewKey(Now);

        Assert.Throws<InvalidOperationException>(() => keyring.WithoutKey("kek-2"));
        Assert.Equal(["kek-2"], keyring.WithoutKey("kek-1").Keys.Select(k => k.Id));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"format":"other/v9"}""", "format 'other/v9'")]
    [InlineData("""{"format":"careledger-keyring/v1","current":"kek-1","keys":[]}""", "current KEK 'kek-1' is not among its keys")]
    [InlineData("""{"format":"careledger-keyring/v1","current":"kek-1","keys":[{"id":"k1","createdUnixMs":0,"key":"AA=="}]}""", "not of the form")]
    [InlineData("""{"format":"careledger-keyring/v1","current":"kek-1","keys":[{"id":"kek-1","createdUnixMs":0,"key":"AA=="}]}""", "KEK 'kek-1' is not 32 bytes")]
    public void Parse_rejects_malformed_keyrings_with_the_reason(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => KeyringFile.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_a_duplicated_key_version()
    {
        var text = Encoding.UTF8.GetString(KeyringFile.CreateNew(Now).WithNewKey(Now).Serialize()).Replace("\"kek-2\"", "\"kek-1\"", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => KeyringFile.Parse(Encoding.UTF8.GetBytes(text)));

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_rejects_a_missing_secret()
    {
        var text = Encoding.UTF8.GetString(KeyringFile.CreateNew(Now).Serialize()).Replace("\"blind-index\"", "\"other\"", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => KeyringFile.Parse(Encoding.UTF8.GetBytes(text)));

        Assert.Contains("blind-index", error.Message, StringComparison.Ordinal);
    }
}
