using System.Text.Json.Nodes;
using CareLedger.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Xunit.Abstractions;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// The validation fast path must never accept what the Firely validator refuses. Checked on every resource of the 14
/// Synthea bundles in data/synthea and on thousands of broken variants of them (<see cref="ValidationMutants"/>), each
/// read leniently so that the broken content reaches the validator.
/// </summary>
public sealed class FastValidatorDifferentialTests(ITestOutputHelper output)
{
    private static readonly ResourceValidator s_validator = ResourceValidator.Shared;
    private static readonly Lazy<IReadOnlyList<Resource>> s_corpus = new(LoadCorpus);
    private static readonly FhirJsonDeserializer s_lenient = new(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    [Fact]
    public void Every_Synthea_resource_is_valid_and_is_accepted_by_the_fast_path()
    {
        var corpus = s_corpus.Value;
        Assert.True(corpus.Count > 1000, $"only {corpus.Count} resources in data/synthea");
        foreach (var resource in corpus)
        {
            Assert.Empty(s_validator.FirelyErrors(resource));
            Assert.True(s_validator.IsCertainlyValid(resource), $"the fast path is not sure about {resource.TypeName}/{resource.Id}");
        }
    }

    [Fact]
    public void No_variant_that_the_Firely_validator_refuses_is_accepted_by_the_fast_path()
    {
        int refused = 0, accepted = 0, fellBack = 0;
        var refusedKinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, resource) in Variants())
        {
            var firelyErrors = s_validator.FirelyErrors(resource);
            var fast = s_validator.IsCertainlyValid(resource);
            if (fast && firelyErrors.Count > 0)
            {
                Assert.Fail($"the fast path accepted '{name}', which the Firely validator refuses: {firelyErrors[0].Diagnostics}");
            }

            if (firelyErrors.Count > 0)
            {
                refused++;
                refusedKinds.Add(Kind(name));
            }
            else if (fast)
            {
                accepted++;
            }
            else
            {
                fellBack++;
            }
        }

        output.WriteLine($"{refused} refused by both, {accepted} accepted by both, {fellBack} valid but left to the Firely validator");
        Assert.True(refused > 800, $"only {refused} variants were invalid");
        Assert.Equal([], Kinds.Where(k => !refusedKinds.Contains(k)).ToArray());
    }

    [Fact]
    public void An_invalid_resource_gets_the_Firely_validators_messages()
    {
        var observation = (Observation)s_corpus.Value.First(r => r is Observation).DeepCopy();
        observation.Status = null;
        observation.DataAbsentReason = new CodeableConcept { Text = "unknown" };

        Assert.False(s_validator.IsCertainlyValid(observation));
        var errors = s_validator.Errors(observation);
        Assert.Equal(s_validator.FirelyErrors(observation).Select(e => e.Diagnostics), errors.Select(e => e.Diagnostics));
        Assert.Contains(errors, e => e.Diagnostics!.Contains("obs-6", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Diagnostics!.Contains("status", StringComparison.Ordinal));
    }

    [Fact]
    public void The_compiled_checks_own_walk_answers_as_their_walk_over_Firelys_node_tree()
    {
        // Every Synthea resource, and every broken variant read both leniently and as the import's fast reading reads it
        // (without the strict reader's checks: unknown and mistyped elements then sit in the POCOs' overflow).
        int compared = 0, certain = 0;
        IEnumerable<(string Name, Resource Resource)> cases =
        [
            .. s_corpus.Value.Select(r => ($"{r.TypeName}/{r.Id}", r)),
            .. Variants(),
            .. Variants(@unchecked: true).Select(v => ($"{v.Name} (read unchecked)", v.Resource)),
        ];
        foreach (var (name, resource) in cases)
        {
            var own = s_validator.IsCertainlyValid(resource);
            Assert.True(own == s_validator.IsCertainlyValidOverFirelyTree(resource), $"the two walks disagree on '{name}': own walk {own}");
            compared++;
            certain += own ? 1 : 0;
        }

        output.WriteLine($"{compared} resources compared, {certain} certainly valid by both walks");
        Assert.True(compared > 4000, $"only {compared} resources compared");
        Assert.True(certain > 1500 && certain < compared - 1000, $"{certain} of {compared} certainly valid: the comparison does not cover both answers");
    }

    /// <summary>The first resources of each type in the corpus, each broken in every way the mutant generator knows.</summary>
    private static IEnumerable<(string Name, Resource Resource)> Variants(bool @unchecked = false)
    {
        foreach (var original in s_corpus.Value.GroupBy(r => r.TypeName).SelectMany(g => g.Take(1)))
        {
            var json = (JsonObject)JsonNode.Parse(FhirSerialization.ToJson(original))!;
            foreach (var (name, variant) in ValidationMutants.Of(json))
            {
                var text = variant.ToJsonString();
                if ((@unchecked ? FhirSerialization.TryParseJsonUnchecked(System.Text.Encoding.UTF8.GetBytes(text)) : Lenient(text)) is { } resource)
                {
                    yield return (name, resource);
                }
            }
        }
    }

    /// <summary>A resource read leniently (Ostrich), so that broken content reaches the code under test.</summary>
    internal static Resource? Lenient(string json)
    {
        try
        {
            return s_lenient.DeserializeResource(json);
        }
        catch (DeserializationFailedException e)
        {
            return e.PartialResult as Resource;
        }
    }

    /// <summary>
    /// Every kind of breakage that must appear among the variants the Firely validator refuses. (An extension with a url
    /// and nothing else is generated too, but Firely 3.6 does not refuse it, so neither may the fast path.)
    /// </summary>
    private static readonly string[] Kinds =
    [
        "without", "empty object", "malformed", "outside its value set", "unknown element", "unknown type", "value and extensions", "(org-2)", "contains (dom-2)", "(dom-3)", "(dom-4)", "(ref-1)", "(per-1)", "(obs-6)", "(con-4)", "(con-5)", "(slice)",
    ];

    private static string Kind(string name) => Kinds.FirstOrDefault(k => name.Contains(k, StringComparison.Ordinal)) ?? name;

    /// <summary>Every resource of the 14 Synthea bundles in data/synthea, strictly parsed.</summary>
    internal static List<Resource> LoadCorpus()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "data", "synthea")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var files = Directory.GetFiles(Path.Combine(directory.FullName, "data", "synthea"), "*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(14, files.Count);
        return [.. files.SelectMany(f => ((Bundle)FhirSerialization.ParseJson(File.ReadAllBytes(f))).Entry.Select(e => e.Resource).OfType<Resource>())];
    }
}
