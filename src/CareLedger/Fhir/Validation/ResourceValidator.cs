using System.Reflection;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Validation.Compiled;
using Firely.Fhir.Validation;
using Firely.Fhir.Validation.Compilation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Validation;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace CareLedger.Fhir.Validation;

/// <summary>
/// Validates resources against the base FHIR R4 specification with the Firely profile validator: cardinality,
/// types, primitive formats, every error-level invariant (FHIRPath constraints) and required bindings.
/// The specification comes from the <c>specification.zip</c> of Hl7.Fhir.Specification.Data.R4 next to the
/// executable; nothing is fetched from the network. One instance per process: compiled schemas are cached in it.
/// A resource first goes through <see cref="CompiledBaseSpec"/>, the same schemas with the same settings compiled into
/// delegates, which can only answer "certainly valid" or "not sure"; only the latter runs the Firely validator, which then
/// produces every message (so the answers and the messages are the Firely validator's, at a fraction of the cost).
/// </summary>
public sealed class ResourceValidator
{
    private static readonly Lazy<ResourceValidator> s_shared = new(() => new ResourceValidator(), LazyThreadSafetyMode.ExecutionAndPublication);

    private const int MaxHelperThreads = 15;

    /// <summary>Stands in for an entry's resource while the Bundle's own elements are checked (an element with no content at all is refused).</summary>
    private static readonly Parameters s_placeholder = new() { Id = "placeholder" };

    private readonly Validator validator;
    private readonly CompiledBaseSpec compiled;
    private readonly Lazy<CompiledBaseSpec> compiledOverFirelyTree;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Resource, IReadOnlyList<OperationOutcome.IssueComponent>> prevalidated = [];

    private ResourceValidator()
    {
        var zipPath = Path.Combine(AppContext.BaseDirectory, "specification.zip");
        if (!File.Exists(zipPath))
        {
            throw new FileNotFoundException(
                $"the FHIR R4 specification archive is missing at {zipPath} (it ships in the Hl7.Fhir.Specification.Data.R4 package)", zipPath);
        }

        ImportCodeTypesOfConformanceResources();
        var resolver = new CachedResolver(new DirectorySource(SpecificationDirectory.Prepare(zipPath), DirectorySourceSettings.CreateDefault()));
        var terminology = new MemoizingTerminologyService(new LocalTerminologyService(resolver));
        var settings = new ValidationSettings();
        // Only errors refuse a write; checks that can at most warn are not run (they are most of the cost).
#pragma warning disable ExperimentalApi // the assertion types are the documented way to filter the schema
        settings.ExcludeFilters.Add(a =>
            (a is BindingValidator b && b.Strength != BindingValidator.BindingStrength.Required)
            || (a is InvariantValidator i && (i.BestPractice || i.Severity != OperationOutcome.IssueSeverity.Error)));
#pragma warning restore ExperimentalApi
        // One schema resolver shared by the validator and the compiled checks, so both read the same schemas.
#pragma warning disable ExperimentalApi
        var schemas = StructureDefinitionToElementSchemaResolver.CreatedCached(resolver);
#pragma warning restore ExperimentalApi
        validator = new Validator(resolver, terminology, null, settings, schemas);
        var validatorSettings = SettingsOf(validator);
        compiled = new CompiledBaseSpec(schemas, validatorSettings);
        compiledOverFirelyTree = new(() => new CompiledBaseSpec(schemas, validatorSettings, CompiledBaseSpec.ChildWalk.FirelyPocoNodeTree));
    }

    /// <summary>
    /// The SDK reads the specification's XML through a POCO builder that looks up the class mapping of every
    /// <c>Code&lt;TEnum&gt;</c> element in the model inspector and, when the inspector does not know that closed type yet,
    /// builds a new mapping each time, with a new factory method compiled to IL: thousands of them while the schemas of a
    /// first import are built, about half of the CPU of reading each StructureDefinition. Registering those types once
    /// (exactly what the SDK's JSON reader does itself when it meets one) makes the lookup find them; the mappings are
    /// the ones the SDK would build, so nothing read changes.
    /// </summary>
    private static void ImportCodeTypesOfConformanceResources()
    {
        var inspector = ModelInfo.ModelInspector;
        foreach (var type in typeof(StructureDefinition).Assembly.GetExportedTypes())
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                var valueType = property.PropertyType is { IsGenericType: true } list && list.GetGenericTypeDefinition() == typeof(List<>)
                    ? list.GenericTypeArguments[0]
                    : property.PropertyType;
                if (valueType is { IsGenericType: true } && valueType.GetGenericTypeDefinition() == typeof(Code<>) && inspector.FindClassMapping(valueType) is null)
                {
                    inspector.ImportType(valueType);
                }
            }
        }
    }

    /// <summary>
    /// The settings object the validator copied from ours and completed (schema resolver, terminology, FHIRPath compiler):
    /// the compiled checks must evaluate every assertion exactly as the validator does, so it uses that very object.
    /// </summary>
    private static ValidationSettings SettingsOf(Validator validator) =>
        typeof(Validator).GetField("_settings", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(validator) as ValidationSettings
        ?? throw new InvalidOperationException(
            $"Firely.Fhir.Validation {typeof(Validator).Assembly.GetName().Version} no longer keeps its settings in Validator._settings; the compiled validation checks must be adapted to this version");

    /// <summary>The process-wide validator (the R4 specification is immutable, so every node shares it).</summary>
    public static ResourceValidator Shared => s_shared.Value;

    /// <summary>
    /// The error-level problems of a parsed resource against the base R4 specification. A result computed ahead by
    /// <see cref="Prevalidate"/> is used (once) instead of validating again.
    /// </summary>
    public IReadOnlyList<OperationOutcome.IssueComponent> Errors(Resource resource)
    {
        if (prevalidated.TryGetValue(resource, out var known))
        {
            prevalidated.Remove(resource);
            return known;
        }

        return Validate(resource);
    }

    /// <summary>
    /// Validates resources ahead of their write, on every core, so that an import validates the next bundle while the
    /// current one commits. Only the server-owned id and meta, and references being resolved, may change in between:
    /// neither can make a valid resource invalid.
    /// </summary>
    public void Prevalidate(IReadOnlyList<Resource> resources) =>
        OnEveryCore(resources.Count, i => prevalidated.AddOrUpdate(resources[i], Validate(resources[i])));

    /// <summary>
    /// The import's fast reading (ADR 0013): reads JSON without the SDK reader's per-element checks and returns the
    /// resource only if the compiled checks certify it — for a Bundle, every entry's resource, on every core, after the
    /// Bundle's own elements passed the reader's per-element checks — each entry's resource then counting as validated
    /// (<see cref="Errors"/>).
    /// Null whenever anything is not certain (a syntax problem, a wrongly spelled name, a resource the compiled checks
    /// are not sure about): the caller then reads the JSON strictly and validates as before, which lists every problem.
    /// So a resource is accepted here only where the strict reader and the Firely validator accept it too
    /// (<c>CertifiedParsingTests</c>), and the bytes it is stored as are the same.
    /// </summary>
    public Resource? ParseCertified(ReadOnlySpan<byte> json)
    {
        var resource = FhirSerialization.TryParseJsonUnchecked(json);
        if (resource is null)
        {
            return null;
        }

        if (resource is not Bundle bundle)
        {
            if (!IsCertainlyValid(resource))
            {
                return null;
            }

            prevalidated.AddOrUpdate(resource, []);
            return resource;
        }

        // The Bundle's own elements, entries included, get the very checks the strict reader would have run on them: the
        // SDK's per-element POCO validation, run after reading on the Bundle with each entry's resource standing in as an
        // Parameters with only an id (linear and cheap; the resources themselves are certified below against the whole of base R4).
        var entries = bundle.Entry;
        var resources = new Resource?[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            resources[i] = entries[i].Resource;
            if (resources[i] is not null)
            {
                entries[i].Resource = s_placeholder;
            }
        }

        var shellProblems = bundle.Validate(ModelInfo.ModelInspector).Count;
        for (var i = 0; i < entries.Count; i++)
        {
            entries[i].Resource = resources[i];
        }

        if (shellProblems > 0)
        {
            return null;
        }

        var uncertain = 0;
        OnEveryCore(resources.Length, i =>
        {
            if (Volatile.Read(ref uncertain) == 0 && resources[i] is { } entryResource && !IsCertainlyValid(entryResource))
            {
                Interlocked.Exchange(ref uncertain, 1);
            }
        });
        if (uncertain != 0)
        {
            return null;
        }

        foreach (var entry in entries)
        {
            if (entry.Resource is { } certified)
            {
                prevalidated.AddOrUpdate(certified, []);
            }
        }

        return bundle;
    }

    /// <summary>
    /// Runs <paramref name="work"/> for 0..count-1 on this thread and helper threads, one per further core. The helpers
    /// are dedicated threads, not pool threads: the Firely validator waits synchronously on tasks it runs on the pool, and
    /// the ledger's completions need the pool too, so blocking pool workers starves both (measured: 4–8 ms per resource
    /// instead of 0.6).
    /// </summary>
    private static void OnEveryCore(int count, Action<int> work)
    {
        var next = -1;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        void Work()
        {
            try
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count && Volatile.Read(ref failure) is null)
                {
                    work(i);
                }
            }
#pragma warning disable CA1031 // rethrown on the calling thread below
            catch (Exception e)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref failure, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e), null);
            }
        }

        var helpers = new Thread[Math.Clamp(Math.Min(Environment.ProcessorCount, count) - 1, 0, MaxHelperThreads)];
        for (var h = 0; h < helpers.Length; h++)
        {
            helpers[h] = new Thread(Work) { IsBackground = true, Name = "fhir-prevalidate" };
            helpers[h].Start();
        }

        Work();
        foreach (var helper in helpers)
        {
            helper.Join();
        }

        failure?.Throw();
    }

    private IReadOnlyList<OperationOutcome.IssueComponent> Validate(Resource resource) =>
        IsCertainlyValid(resource) ? [] : FirelyErrors(resource);

    /// <summary>The compiled checks' answer: true only if the Firely validator would report no error.</summary>
    internal bool IsCertainlyValid(Resource resource)
    {
        try
        {
            return compiled.IsCertainlyValid(resource);
        }
#pragma warning disable CA1031 // any surprise in the shortcut means "not sure": the Firely validator decides
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>
    /// The compiled checks' answer when they reach children through Firely's <c>PocoNode.Children()</c>, as they did before
    /// their own walk: the differential tests hold the two answers equal.
    /// </summary>
    internal bool IsCertainlyValidOverFirelyTree(Resource resource)
    {
        try
        {
            return compiledOverFirelyTree.Value.IsCertainlyValid(resource);
        }
#pragma warning disable CA1031 // as in IsCertainlyValid
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>The Firely validator's error-level issues, without the compiled checks (the authoritative answer).</summary>
    internal IReadOnlyList<OperationOutcome.IssueComponent> FirelyErrors(Resource resource)
    {
        var outcome = validator.Validate(resource);
        return [.. outcome.Issue
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(Readable)];
    }

    /// <summary>
    /// The validator puts its message in details.text and a trace in diagnostics; clients read diagnostics, so the
    /// message and the element it concerns go there.
    /// </summary>
    private static OperationOutcome.IssueComponent Readable(OperationOutcome.IssueComponent issue)
    {
        var at = issue.Expression.FirstOrDefault() ?? issue.Location.FirstOrDefault();
        return new OperationOutcome.IssueComponent
        {
            Severity = issue.Severity,
            Code = issue.Code,
            Details = issue.Details,
            Expression = [.. issue.Expression],
            Diagnostics = (issue.Details?.Text ?? issue.Diagnostics) + (at is null ? string.Empty : $" (at {at})"),
        };
    }

    /// <summary>Parses and validates JSON; throws a 400 <see cref="FhirProblemException"/> listing every problem.</summary>
    public Resource ParseValid(ReadOnlySpan<byte> json)
    {
        var (resource, issues) = FhirSerialization.TryParseJson(json);
        if (resource is not null)
        {
            issues.AddRange(Errors(resource));
        }

        return issues.Count == 0 && resource is not null
            ? resource
            : throw new FhirProblemException(StatusCodes.Status400BadRequest, new OperationOutcome { Issue = issues });
    }

    /// <summary>Throws a 400 <see cref="FhirProblemException"/> if the resource breaks the base specification.</summary>
    public void EnsureValid(Resource resource, string? location = null)
    {
        var errors = Errors(resource);
        if (errors.Count > 0)
        {
            var outcome = new OperationOutcome { Issue = [.. errors] };
            throw new FhirProblemException(StatusCodes.Status400BadRequest,
                location is null ? outcome : new OperationOutcome { Issue = [.. OperationOutcomes.Located(outcome, location)] });
        }
    }
}
