using System.Text;
using System.Text.Json.Nodes;
using CareLedger.Fhir.Validation;
using Hl7.Fhir.Model;
using Xunit.Abstractions;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// The import's fast reading (<see cref="ResourceValidator.ParseCertified"/>, ADR 0013: JSON read without the SDK reader's
/// per-element checks, kept only where the compiled validator certifies it) must accept nothing that the strict reader
/// followed by the Firely validator refuses, and must read what it accepts into the very same resource. Checked on the
/// 14 Synthea bundles, on every broken variant of their resources that <see cref="ValidationMutants"/> makes (the
/// variants <see cref="FastValidatorDifferentialTests"/> uses), on broken variants of a Bundle's own elements, and on
/// names spelled in the wrong case (which that reader binds case-insensitively).
/// </summary>
public sealed class CertifiedParsingTests(ITestOutputHelper output)
{
    private static readonly ResourceValidator s_validator = ResourceValidator.Shared;

    [Fact]
    public void Every_Synthea_bundle_is_certified_and_read_into_the_same_resources_as_the_strict_reader()
    {
        var files = SyntheaFiles();
        Assert.Equal(14, files.Count);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            var certified = s_validator.ParseCertified(bytes);
            Assert.True(certified is Bundle, $"{Path.GetFileName(file)} was not certified");
            var strict = FhirSerialization.ParseJson(bytes);
            Assert.Equal(FhirSerialization.ToCanonicalJson(strict), FhirSerialization.ToCanonicalJson(certified!));
            foreach (var resource in ((Bundle)certified!).Entry.Select(e => e.Resource).OfType<Resource>())
            {
                // Counted as validated, with no error, exactly once.
                Assert.Empty(s_validator.Errors(resource));
            }
        }
    }

    [Fact]
    public void No_broken_variant_of_a_resource_is_certified_unless_the_strict_path_accepts_it_too()
    {
        int refused = 0, certified = 0, fellBack = 0;
        foreach (var original in FastValidatorDifferentialTests.LoadCorpus().GroupBy(r => r.TypeName).SelectMany(g => g.Take(1)))
        {
            var json = (JsonObject)JsonNode.Parse(FhirSerialization.ToJson(original))!;
            foreach (var (name, variant) in ValidationMutants.Of(json).Concat(WrongCase(json)))
            {
                switch (Compare(name, Encoding.UTF8.GetBytes(variant.ToJsonString())))
                {
                    case Outcome.Refused: refused++; break;
                    case Outcome.Certified: certified++; break;
                    default: fellBack++; break;
                }
            }
        }

        output.WriteLine($"{refused} refused by the strict path (none certified), {certified} certified and accepted by both, {fellBack} valid but left to the strict path");
        Assert.True(refused > 800, $"only {refused} variants were refused");
        Assert.True(certified > 100, $"only {certified} variants were certified");
    }

    [Fact]
    public void No_broken_variant_of_a_Bundles_own_elements_is_certified_unless_the_strict_path_accepts_it_too()
    {
        var bundle = (JsonObject)JsonNode.Parse(File.ReadAllText(SyntheaFiles().First(f => Path.GetFileName(f).StartsWith("hospital", StringComparison.Ordinal))))!;
        var entries = (JsonArray)bundle["entry"]!;
        while (entries.Count > 3)
        {
            entries.RemoveAt(entries.Count - 1);
        }

        var firstEntry = (JsonObject)entries[0]!;
        var request = (JsonObject)firstEntry["request"]!;
        IEnumerable<(string, JsonObject)> variants =
        [
            .. ValidationMutants.Of(bundle),
            .. ValidationMutants.Of(firstEntry).Select(v => ($"entry[0]: {v.Name}", WithEntry(bundle, v.Resource))),
            .. ValidationMutants.Of(request).Select(v => ($"entry[0].request: {v.Name}", WithEntry(bundle, With(firstEntry, "request", v.Resource)))),
            ("Bundle with a wrong-cased type value", With(bundle, "type", "Transaction")),
            ("Bundle with an unknown method", WithEntry(bundle, With(firstEntry, "request", With(request, "method", "FETCH")))),
            ("Bundle with two entries of the same fullUrl", With(bundle, "entry", new JsonArray(firstEntry.DeepClone(), firstEntry.DeepClone()))),
        ];
        int refused = 0, certified = 0;
        foreach (var (name, variant) in variants)
        {
            var outcome = Compare(name, Encoding.UTF8.GetBytes(variant.ToJsonString()));
            refused += outcome == Outcome.Refused ? 1 : 0;
            certified += outcome == Outcome.Certified ? 1 : 0;
        }

        output.WriteLine($"{refused} refused, {certified} certified");
        Assert.True(refused > 20, $"only {refused} Bundle variants were refused");
    }

    [Fact]
    public void No_two_trusted_element_names_differ_only_by_case()
    {
        // What makes the exact-spelling scan sound: a wrongly cased name is then never a trusted R4 name of any type.
        var names = ExactCaseNames.Elements;
        Assert.True(names.Count > 1000, $"only {names.Count} element names");
        var clashes = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => string.Join("/", g)).ToList();
        Assert.Equal([], clashes);
        Assert.Contains("birthDate", names);
        Assert.Contains("valueQuantity", names);

        // R4 has both bodySite (Procedure) and bodysite (ImagingStudy.series), ...: neither is trusted.
        Assert.DoesNotContain("bodySite", names);
        Assert.DoesNotContain("bodysite", names);
    }

    [Fact]
    public void Names_in_the_wrong_case_are_left_to_the_strict_reader()
    {
        var patient = Encoding.UTF8.GetBytes("""{"resourceType":"Patient","id":"p1","gender":"male","birthDate":"1970-01-01"}""");
        Assert.NotNull(s_validator.ParseCertified(patient));
        Assert.Null(s_validator.ParseCertified(Encoding.UTF8.GetBytes("""{"resourceType":"Patient","id":"p1","gender":"male","birthdate":"1970-01-01"}""")));
        Assert.Null(s_validator.ParseCertified(Encoding.UTF8.GetBytes("""{"resourceType":"patient","id":"p1","gender":"male"}""")));
        Assert.Null(s_validator.ParseCertified(Encoding.UTF8.GetBytes("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valuestring":"x"}""")));
        Assert.Null(s_validator.ParseCertified(Encoding.UTF8.GetBytes("""{"resourceType":"Patient","id":"p1","gender":"Male"}""")));
        Assert.Null(s_validator.ParseCertified(Encoding.UTF8.GetBytes("""{"resourceType":"Procedure","status":"completed","subject":{"reference":"Patient/p1"},"bodySite":[{"text":"arm"}]}""")));
    }

    private enum Outcome
    {
        Refused,
        Certified,
        FellBack,
    }

    /// <summary>The strict path's verdict, and that the fast reading accepts only what it accepts, read the same.</summary>
    private static Outcome Compare(string name, byte[] json)
    {
        var (strict, issues) = FhirSerialization.TryParseJson(json);
        var strictAccepts = issues.Count == 0 && strict is not null && AllValid(strict);
        var certified = s_validator.ParseCertified(json);
        if (certified is null)
        {
            return strictAccepts ? Outcome.FellBack : Outcome.Refused;
        }

        Assert.True(strictAccepts, $"'{name}' was certified, but the strict reader or the Firely validator refuses it: {issues.FirstOrDefault()?.Diagnostics}");
        Assert.Equal(FhirSerialization.ToCanonicalJson(strict!), FhirSerialization.ToCanonicalJson(certified));
        return Outcome.Certified;
    }

    private static bool AllValid(Resource resource) => resource is Bundle bundle
        ? bundle.Entry.Select(e => e.Resource).OfType<Resource>().All(r => s_validator.FirelyErrors(r).Count == 0)
        : s_validator.FirelyErrors(resource).Count == 0;

    /// <summary>Each top-level element name, and the resource type, spelled with a different case.</summary>
    private static IEnumerable<(string Name, JsonObject Resource)> WrongCase(JsonObject resource)
    {
        var type = (string)resource["resourceType"]!;
        yield return ($"{type} with resourceType in lower case", With(resource, "resourceType", type.ToLowerInvariant()));
        foreach (var property in resource.Select(p => p.Key).Where(k => k != "resourceType").ToList())
        {
            var copy = (JsonObject)resource.DeepClone();
            var value = copy[property]!.DeepClone();
            copy.Remove(property);
            copy[char.ToUpperInvariant(property[0]) + property[1..]] = value;
            yield return ($"{type}.{property} capitalised", copy);
        }
    }

    private static JsonObject With(JsonObject o, string name, JsonNode value)
    {
        var copy = (JsonObject)o.DeepClone();
        copy[name] = value.DeepClone();
        return copy;
    }

    private static JsonObject WithEntry(JsonObject bundle, JsonObject entry)
    {
        var copy = (JsonObject)bundle.DeepClone();
        ((JsonArray)copy["entry"]!)[0] = entry.DeepClone();
        return copy;
    }

    private static List<string> SyntheaFiles()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "data", "synthea")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return [.. Directory.GetFiles(Path.Combine(directory.FullName, "data", "synthea"), "*.json").Order(StringComparer.Ordinal)];
    }
}
