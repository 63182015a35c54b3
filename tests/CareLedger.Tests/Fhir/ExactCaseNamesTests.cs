using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CareLedger.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Xunit.Abstractions;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// The import's reading checks the spelling of names after the SDK's reader has read the JSON, by a scan of the bytes that
/// reader has read (<see cref="ExactCaseNames.AreExactInWellFormed"/>), instead of a second tokenizing pass before it
/// (<see cref="ReferenceScan"/>, the node's former scan, kept here as the reference). <see cref="FhirSerialization.TryParseJsonUnchecked"/>
/// must answer exactly as it did with the reference scan: the same resources read, the same JSON refused, on the Synthea
/// bundles, every broken variant of their resources, every name in the wrong case, and JSON written to trip a byte scan
/// (escapes, quotes and colons inside strings, whitespace around colons, content after the resource, non-ASCII names).
/// </summary>
public sealed class ExactCaseNamesTests(ITestOutputHelper output)
{
    private static readonly FhirJsonDeserializer s_unchecked = new(new DeserializerSettings().UsingMode(DeserializationMode.SyntaxOnly));

    [Fact]
    public void The_reading_answers_as_with_the_reference_scan_on_Synthea_and_every_variant()
    {
        int read = 0, refused = 0;
        foreach (var json in Corpus())
        {
            if (Same(json))
            {
                read++;
            }
            else
            {
                refused++;
            }
        }

        output.WriteLine($"{read} read by both, {refused} refused by both");
        Assert.True(read > 500, $"only {read} documents read");
        Assert.True(refused > 300, $"only {refused} documents refused");
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","id":"p1","gender":"male"}""", true)]
    [InlineData(" \t\r\n{ \"resourceType\" \t:\n\"Patient\" , \"id\" : \"p1\" , \"gender\"\r\n:\"male\" } \n\t", true)]
    [InlineData("""{"resourceType":"Patient","id":"p1","gender":"male"} {}""", false)]
    [InlineData("""{"resourceType":"Patient","id":"p1","gender":"male"} x""", false)]
    [InlineData("""{"resourceType":"Patient","id":"p1","gender":"male"}}""", false)]
    [InlineData("""{"resourceType":"Patient","id":"p1","gender":"male"}""" + "\u0000", false)]
    [InlineData("""{"resourceType":"Patient","id":"p1","gendeR":"male"}""", false)]
    [InlineData("""{"resourceType":"Patient","id":"p1","gend\u0065r":"male"}""", false)]
    [InlineData("""{"resourceType":"Pati\u0065nt","id":"p1"}""", false)]
    [InlineData("""{"resourceType":"patient","id":"p1"}""", false)]
    [InlineData("""{"id":"p1","resourceType":"Patient"}""", true)]
    [InlineData("""{"resourceType":"Patient","name":[{"text":"a \"family\": \\\"given\\\":"}],"id":"p1"}""", true)]
    [InlineData("""{"resourceType":"Patient","name":[{"text":"\\"}],"id":"p1"}""", true)]
    [InlineData("""{"resourceType":"Patient","name":[{"text":"\\\\\":\"Given\":\"x"}],"id":"p1"}""", true)]
    [InlineData("""{"resourceType":"Patient","name":[{"text":"ok","Given":["x"]}],"id":"p1"}""", false)]
    [InlineData("""{"resourceType":"Patient","_gender":{"extension":[{"url":"http://example.org/x","valueString":"y"}]},"gender":"male"}""", true)]
    [InlineData("""{"resourceType":"Patient","_Gender":{"id":"x"},"gender":"male"}""", false)]
    [InlineData("""{"resourceType":"Patient","gendér":"male"}""", false)]
    [InlineData("""{"resourceType":"Patient","name":[{"text":"Zoë \"\\u00eb\": ∑"}]}""", true)]
    [InlineData("""{"resourceType":"Patient","extension":[{"url":"x","valueString":"resourceType"}]}""", true)]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o1","name":"x"}],"managingOrganization":{"reference":"#o1"}}""", true)]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"organization","id":"o1","name":"x"}]}""", false)]
    [InlineData("""{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o1","Name":"x"}]}""", false)]
    public void Hand_written_JSON_is_read_or_refused_as_with_the_reference_scan(string json, bool read)
    {
        Assert.Equal(read, Same(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void A_name_longer_than_the_scans_limit_is_refused_by_both()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"resourceType":"Patient","{{new string('a', 129)}}":"x"}""");
        Assert.False(Same(json));
    }

    /// <summary>
    /// The reading now (scan after the SDK's reader) against the reading before (the reference scan, then the SDK's reader):
    /// both read or both refuse, and what is read is the same resource. Returns whether it was read.
    /// </summary>
    private static bool Same(byte[] json)
    {
        var before = Before(json);
        var now = FhirSerialization.TryParseJsonUnchecked(json);
        if ((before is null) != (now is null))
        {
            var text = Encoding.UTF8.GetString(json);
            Assert.Fail($"before: {(before is null ? "refused" : "read")}, now: {(now is null ? "refused" : "read")}: {text[..Math.Min(text.Length, 300)]}");
        }

        if (now is not null)
        {
            Assert.Equal(FhirSerialization.ToCanonicalJson(before!), FhirSerialization.ToCanonicalJson(now));
        }

        return now is not null;
    }

    private static readonly HashSet<string> s_elements = new(ExactCaseNames.Elements, StringComparer.Ordinal);
    private static readonly HashSet<string> s_resourceTypes = new(ExactCaseNames.ResourceTypes, StringComparer.Ordinal);

    /// <summary>
    /// The reference: a tokenizing pass over the JSON, true if every property name and every <c>resourceType</c> value is
    /// spelled exactly as R4 spells it; false also for malformed JSON.
    /// </summary>
    private static bool ReferenceScan(ReadOnlySpan<byte> utf8)
    {
        var lookup = s_elements.GetAlternateLookup<ReadOnlySpan<char>>();
        var typeLookup = s_resourceTypes.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> buffer = stackalloc char[128];
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 128 });
            var nextIsResourceType = false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueIsEscaped || reader.ValueSpan.Length > buffer.Length)
                    {
                        return false;
                    }

                    var name = buffer[..reader.CopyString(buffer)];
                    nextIsResourceType = name.SequenceEqual("resourceType");
                    if (!nextIsResourceType && !lookup.Contains(name.Length > 1 && name[0] == '_' ? name[1..] : name))
                    {
                        return false;
                    }
                }
                else if (nextIsResourceType)
                {
                    nextIsResourceType = false;
                    if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.ValueSpan.Length > buffer.Length
                        || !typeLookup.Contains(buffer[..reader.CopyString(buffer)]))
                    {
                        return false;
                    }
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>TryParseJsonUnchecked as it was: the reference scan of the names, then the SDK's reader without its checks.</summary>
    private static Resource? Before(byte[] json)
    {
        if (json.Length == 0 || !ReferenceScan(json))
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
            return s_unchecked.TryDeserializeResource(reader, out var resource, out _) ? resource : null;
        }
        catch (Exception e) when (e is JsonException or DeserializationFailedException or Hl7.Fhir.Utility.CodedException)
        {
            return null;
        }
    }

    private static IEnumerable<byte[]> Corpus()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "data", "synthea")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        foreach (var file in Directory.GetFiles(Path.Combine(directory.FullName, "data", "synthea"), "*.json").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            yield return bytes;

            // The same bundle with a name in the wrong case deep inside, and with content after it.
            var text = Encoding.UTF8.GetString(bytes);
            var last = text.LastIndexOf("\"system\"", StringComparison.Ordinal);
            yield return Encoding.UTF8.GetBytes(text[..last] + "\"System\"" + text[(last + 8)..]);
            yield return Encoding.UTF8.GetBytes(text + "\n,");
        }

        foreach (var original in FastValidatorDifferentialTests.LoadCorpus().GroupBy(r => r.TypeName).SelectMany(g => g.Take(1)))
        {
            var json = (JsonObject)JsonNode.Parse(FhirSerialization.ToJson(original))!;
            foreach (var (_, variant) in ValidationMutants.Of(json))
            {
                yield return Encoding.UTF8.GetBytes(variant.ToJsonString());
            }

            // Every name, at any depth, spelled in a different case (one at a time), and escaped.
            var compact = json.ToJsonString();
            var names = System.Text.RegularExpressions.Regex.Matches(compact, "\"([A-Za-z_][A-Za-z0-9_]*)\":").Select(m => m.Index).ToList();
            foreach (var at in names)
            {
                yield return Encoding.UTF8.GetBytes(compact[..(at + 1)] + char.ToUpperInvariant(compact[at + 1]) + compact[(at + 2)..]);
                yield return Encoding.UTF8.GetBytes(compact[..(at + 1)] + $"\\u{(int)compact[at + 1]:x4}" + compact[(at + 2)..]);
            }
        }
    }
}
