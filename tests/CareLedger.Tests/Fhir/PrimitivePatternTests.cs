using System.Text;
using System.Text.RegularExpressions;
using CareLedger.Fhir.Validation;
using CareLedger.Fhir.Validation.Compiled;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Xunit.Abstractions;

#pragma warning disable ExperimentalApi // Firely's RegExValidator is the reference the hand-written matches are held to

namespace CareLedger.Tests.Fhir;

/// <summary>
/// The hand-written matches of <see cref="PrimitivePatterns"/> against the R4 regexes they stand for: the patterns are the
/// specification's, each match equals <c>Regex.IsMatch</c> over the whole string on many generated strings (random text,
/// structured dates with every field at and beyond its bounds, and single-character edits of both), and Firely's own
/// <c>RegExValidator</c> accepts every value a match accepts, on the primitive the import's reader builds for it.
/// </summary>
public sealed class PrimitivePatternTests(ITestOutputHelper output)
{
    private static readonly (string Type, string Pattern, Func<string, bool> Match)[] s_checks =
    [
        ("id", PrimitivePatterns.IdPattern, v => PrimitivePatterns.IsId(v)),
        ("string", PrimitivePatterns.StringPattern, v => PrimitivePatterns.IsString(v)),
        ("string", PrimitivePatterns.AnyStringPattern, v => PrimitivePatterns.IsAnyString(v)),
        ("date", PrimitivePatterns.DatePattern, v => PrimitivePatterns.IsDate(v)),
        ("dateTime", PrimitivePatterns.DateTimePattern, v => PrimitivePatterns.IsDateTime(v)),
        ("instant", PrimitivePatterns.InstantPattern, v => PrimitivePatterns.IsInstant(v)),
    ];

    [Fact]
    public void The_patterns_are_the_R4_specifications()
    {
        var zip = Path.Combine(AppContext.BaseDirectory, "specification.zip");
        var source = new DirectorySource(SpecificationDirectory.Prepare(zip), DirectorySourceSettings.CreateDefault());
        foreach (var (type, pattern, _) in s_checks.Where(c => c.Pattern != PrimitivePatterns.AnyStringPattern))
        {
            var definition = (StructureDefinition)source.ResolveByCanonicalUri("http://hl7.org/fhir/StructureDefinition/" + type)!;
            var value = definition.Snapshot!.Element.Single(e => e.Path == type + ".value");
            var regex = value.Type.Single().GetStringExtension("http://hl7.org/fhir/StructureDefinition/regex");
            Assert.Equal(regex, pattern);
        }
    }

    [Fact]
    public void Firelys_schema_of_string_checks_its_value_against_the_any_string_pattern()
    {
        // Not the StructureDefinition's regex extension: the pattern Firely's compiled schema of string carries (the one the
        // import's certification meets on every string, hence matched by hand too).
        var zip = Path.Combine(AppContext.BaseDirectory, "specification.zip");
        var resolver = new CachedResolver(new DirectorySource(SpecificationDirectory.Prepare(zip), DirectorySourceSettings.CreateDefault()));
        var schemas = Firely.Fhir.Validation.Compilation.StructureDefinitionToElementSchemaResolver.CreatedCached(resolver);
        var schema = schemas.GetSchema(new Firely.Fhir.Validation.Canonical("http://hl7.org/fhir/StructureDefinition/string"));
        Assert.NotNull(schema);
        var patterns = Assertions(schema!, []).OfType<RegExValidator>().Select(r => r.Pattern).ToList();
        Assert.Contains(PrimitivePatterns.AnyStringPattern, patterns);
    }

    private static IEnumerable<IAssertion> Assertions(IAssertion assertion, HashSet<IAssertion> seen)
    {
        if (!seen.Add(assertion))
        {
            yield break;
        }

        yield return assertion;
        IEnumerable<IAssertion> members = assertion switch
        {
            ChildrenValidator children => children.ChildList.Select(c => c.Value),
            IAssertionContainer container => container.Children().Select(c => c.Item2),
            _ => [],
        };
        foreach (var member in members)
        {
            foreach (var inner in Assertions(member, seen))
            {
                yield return inner;
            }
        }
    }

    [Fact]
    public void Each_match_equals_the_regex_over_the_whole_string()
    {
        var compared = 0;
        foreach (var (type, pattern, match) in s_checks)
        {
            var whole = new Regex(@"\A(?:" + pattern + @")\z", RegexOptions.CultureInvariant);
            var firelys = new Regex("^" + pattern + "$");
            int matched = 0, total = 0;
            foreach (var value in Generated(type))
            {
                var expected = whole.IsMatch(value);
                Assert.True(match(value) == expected, $"{type}: the hand-written match says {!expected} for \"{Escape(value)}\"");
                Assert.True(!expected || firelys.IsMatch(value), $"{type}: \"{Escape(value)}\"");
                matched += expected ? 1 : 0;
                total++;
            }

            output.WriteLine($"{type}: {total} strings, {matched} matching");
            Assert.True(matched > 1000 && total - matched > 1000, $"{type}: {matched} of {total} match: the strings do not cover both answers");
            compared += total;
        }

        Assert.True(compared > 100_000, $"only {compared} strings compared");
    }

    [Fact]
    public void Firelys_regex_validator_accepts_every_value_a_match_accepts()
    {
        var settings = new ValidationSettings();
        foreach (var (type, pattern, match) in s_checks)
        {
            IValidatable firely = new RegExValidator(pattern);
            var checkedValues = 0;
            foreach (var value in Generated(type).Where(match).Take(3000))
            {
                var primitive = Read(type, value);
                Assert.True(primitive.JsonValue is string && PrimitivePatterns.Matches(pattern, primitive, value), $"{type} \"{Escape(value)}\" was not read as a string");
                var report = firely.Validate(PocoNode.ForPrimitive(primitive), settings, new ValidationState());
                Assert.True(report.Result == ValidationResult.Success && report.Errors.Count == 0, $"Firely refuses {type} \"{Escape(value)}\"");
                checkedValues++;
            }

            Assert.True(checkedValues > 1000, $"{type}: only {checkedValues} values checked");
        }
    }

    /// <summary>The primitive the import's reader (without the strict reader's checks) builds for the value, in a resource.</summary>
    private static PrimitiveType Read(string type, string value)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(value);
        var text = type switch
        {
            "id" => """{"resourceType":"Observation","id":""" + json + "}",
            "string" => """{"resourceType":"Observation","code":{"text":""" + json + "}}",
            "date" => """{"resourceType":"Patient","birthDate":""" + json + "}",
            "dateTime" => """{"resourceType":"Observation","effectiveDateTime":""" + json + "}",
            _ => """{"resourceType":"Observation","issued":""" + json + "}",
        };
        // A value the import's reader refuses (a date that does not exist) goes to the strict reader and the validator as
        // the lenient reader builds it.
        var resource = FhirSerialization.TryParseJsonUnchecked(Encoding.UTF8.GetBytes(text)) ?? FastValidatorDifferentialTests.Lenient(text);
        Assert.True(resource is not null, $"{type} \"{Escape(value)}\" was not read");
        return ((PrimitiveType?)(type switch
        {
            "id" => resource!.IdElement,
            "string" => ((Observation)resource).Code.TextElement,
            "date" => ((Patient)resource).BirthDateElement,
            "dateTime" => (FhirDateTime)((Observation)resource).Effective!,
            _ => ((Observation)resource).IssuedElement,
        }))!;
    }

    /// <summary>Deterministic strings for one type: structured candidates at and beyond every bound, edits of them, and random text.</summary>
    private static IEnumerable<string> Generated(string type)
    {
        var random = new Random(type.Length * 7919);
        var seeds = new List<string>();
        for (var i = 0; i < 6000; i++)
        {
            seeds.Add(type switch
            {
                "id" => RandomText(random, "ABCxyz0129-._ /é", random.Next(0, 70)),
                "string" => RandomText(random, "ab \r\n\t\v\f\u0085\u00a0\u2028\u2029\u3000\u200bé\ud83d\ude00", random.Next(0, 8)),
                _ => DateLike(random, type),
            });
        }

        foreach (var seed in seeds)
        {
            yield return seed;
            yield return Edit(random, seed, type);
            yield return Edit(random, Edit(random, seed, type), type);
        }

        for (var i = 0; i < 4000; i++)
        {
            yield return RandomText(random, "0123456789-:T.Z+ \nzé", random.Next(0, 32));
        }

        if (type == "string")
        {
            for (var c = 0; c <= char.MaxValue; c++)
            {
                yield return ((char)c).ToString();
                yield return "a" + (char)c + "b";
            }
        }
    }

    /// <summary>Each field valid half of the time (a random value within its bounds), else one of its edge cases.</summary>
    private static string DateLike(Random random, string type)
    {
        var text = new StringBuilder();
        text.Append(random.Next(2) == 0 ? random.Next(1, 10000).ToString("D4", Invariant)
            : Pick(random, "0000", "0001", "0010", "0100", "1000", "9999", "0999", "123", "12345"));
        if (type == "instant" || random.Next(4) > 0)
        {
            text.Append('-').Append(random.Next(2) == 0 ? random.Next(1, 13).ToString("D2", Invariant) : Pick(random, "00", "01", "09", "10", "12", "13", "1", "123", Two(random, 14)));
            if (type == "instant" || random.Next(4) > 0)
            {
                text.Append('-').Append(random.Next(2) == 0 ? random.Next(1, 32).ToString("D2", Invariant)
                    : Pick(random, "00", "01", "09", "10", "19", "20", "29", "30", "31", "32", "40", "3", Two(random, 33)));
                if (type is "dateTime" or "instant" && random.Next(5) > 0)
                {
                    var valid = random.Next(2) == 0;
                    text.Append('T').Append(valid ? Two(random, 24) : Pick(random, "00", "09", "19", "20", "23", "24", "30", "1", Two(random, 25)))
                        .Append(':').Append(valid ? Two(random, 60) : Pick(random, "00", "59", "60", "5", Two(random, 61)))
                        .Append(':').Append(valid ? Two(random, 61) : Pick(random, "00", "59", "60", "61", "70", "7", Two(random, 62)));
                    if (random.Next(3) == 0)
                    {
                        text.Append('.').Append(RandomText(random, "0123456789", random.Next(valid ? 1 : 0, 12)));
                    }

                    text.Append(random.Next(2) == 0
                        ? Pick(random, "Z", "+14:00", "-14:00", (random.Next(2) == 0 ? "+" : "-") + Two(random, 14) + ":" + Two(random, 60))
                        : Pick(random, "Z", "z", "", "+00:00", "-00:00", "+13:59", "+14:00", "-14:00", "+14:01", "+15:00", "+1:00", "+01:60", "+0100",
                            (random.Next(2) == 0 ? "+" : "-") + Two(random, 16) + ":" + Two(random, 61)));
                }
            }
        }

        return text.ToString();
    }

    private static readonly System.Globalization.CultureInfo Invariant = System.Globalization.CultureInfo.InvariantCulture;

    private static string Edit(Random random, string value, string type)
    {
        var alphabet = type switch { "id" => "aZ9-._ ", "string" => " \t\v\u00a0x", _ => "0123456789-:T.Z+ \n" };
        var at = random.Next(0, value.Length + 1);
        return random.Next(3) switch
        {
            0 => value.Insert(at, alphabet[random.Next(alphabet.Length)].ToString()),
            1 when value.Length > 0 && at < value.Length => value.Remove(at, 1),
            _ when value.Length > 0 && at < value.Length => value[..at] + alphabet[random.Next(alphabet.Length)] + value[(at + 1)..],
            _ => value + alphabet[random.Next(alphabet.Length)],
        };
    }

    private static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];

    private static string Two(Random random, int below) => random.Next(0, below).ToString("D2", System.Globalization.CultureInfo.InvariantCulture);

    private static string RandomText(Random random, string alphabet, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private static string Escape(string value) => string.Concat(value.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString()));
}
