using System.Text;
using System.Text.Json.Nodes;
using CareLedger.Locator;

namespace CareLedger.Tests.Locator;

/// <summary>The network's locator key file (ADR 0009), before and after a rotation: what it writes it reads back, and a rotation keeps the old key for lookups.</summary>
public sealed class LocatorKeyTests
{
    private const string System = "http://hl7.org/fhir/sid/us-ssn";
    private const string Origin = "careledger.test/network";

    [Fact]
    public void A_key_and_its_rotation_round_trip_and_the_rotation_still_names_patients_under_the_old_key()
    {
        var key = LocatorKey.Create(System);
        var rotated = key.Rotate();
        var twice = rotated.Rotate();

        Assert.Equal(LocatorKey.Format, (string?)JsonNode.Parse(key.ToJson())!["format"]);
        Assert.Equal(LocatorKey.RotatedFormat, (string?)JsonNode.Parse(rotated.ToJson())!["format"]);
        foreach (var k in new[] { key, rotated, twice })
        {
            Assert.Equal(k.ToJson(), LocatorKey.Parse(k.ToJson(), "test").ToJson());
        }

        // The current key's pseudonym first, then the retired keys' (newest first).
        var pseudonym = key.PseudonymOf(Origin, "999-10-0001");
        Assert.NotEqual(pseudonym, rotated.PseudonymOf(Origin, "999-10-0001"));
        Assert.Equal([rotated.PseudonymOf(Origin, "999-10-0001"), pseudonym], rotated.PseudonymsOf(Origin, "999-10-0001"));
        Assert.Equal([twice.PseudonymOf(Origin, " 999-10-0001 "), rotated.PseudonymOf(Origin, "999-10-0001"), pseudonym], twice.PseudonymsOf(Origin, "999-10-0001"));
        Assert.Equal(2, twice.PreviousKeyCount);
        Assert.NotEqual(key.Id, rotated.Id);
        Assert.Equal(rotated.Id, rotated.WithoutPreviousKeys().Id);

        // A rotation knows the key it replaces; the old key does not know its rotation; another network's key knows neither.
        Assert.True(rotated.Knows(key));
        Assert.True(twice.Knows(key));
        Assert.True(rotated.WithoutPreviousKeys().Knows(rotated));
        Assert.False(key.Knows(rotated));
        Assert.False(LocatorKey.Create(System).Knows(key));
    }

    [Fact]
    public void Previous_keys_are_kept_at_most_four_deep()
    {
        var key = LocatorKey.Create(System);
        var rotated = key;
        for (var i = 0; i < LocatorKey.MaxPreviousKeys + 2; i++)
        {
            rotated = rotated.Rotate();
        }

        Assert.Equal(LocatorKey.MaxPreviousKeys, rotated.PreviousKeyCount);
        Assert.False(rotated.Knows(key));
    }

    [Theory]
    [InlineData("""{"format": "careledger-locator-key/v2", "identifierSystem": "http://hl7.org/fhir/sid/us-ssn", "key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "previousKeys": []}""")]
    [InlineData("""{"format": "careledger-locator-key/v2", "identifierSystem": "http://hl7.org/fhir/sid/us-ssn", "key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}""")]
    [InlineData("""{"format": "careledger-locator-key/v2", "identifierSystem": "http://hl7.org/fhir/sid/us-ssn", "key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "previousKeys": ["AAAA"]}""")]
    [InlineData("""{"format": "careledger-locator-key/v1", "identifierSystem": "http://hl7.org/fhir/sid/us-ssn", "key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "previousKeys": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]}""")]
    [InlineData("""{"format": "careledger-locator-key/v3", "identifierSystem": "http://hl7.org/fhir/sid/us-ssn", "key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}""")]
    public void A_file_that_is_not_a_locator_key_is_refused(string json) =>
        Assert.Throws<FormatException>(() => LocatorKey.Parse(Encoding.UTF8.GetBytes(json), "test"));
}
