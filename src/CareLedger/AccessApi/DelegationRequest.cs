using System.Text.Json;
using CareLedger.Access.Delegation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Storage;
using ModelPeriod = CareLedger.Consent.Model.Period;

namespace CareLedger.AccessApi;

/// <summary>
/// The body of <c>POST /access/delegations</c>, a JSON object:
/// <c>{"patient":"p-1", "delegate":"RelatedPerson/g-1", "kind":"guardian"|"caregiver",
/// "period":{"start":"2026-01-01","end":"2026-12-31"}, "actions":["access"], "classes":["Immunization"],
/// "source":"patient"|"court-order"}</c>. Only <c>delegate</c> and <c>kind</c> are required; <c>period</c> bounds are
/// FHIR dates (the end includes its whole day, month or year); an empty or missing list allows every action or class.
/// An action is a <c>consentaction</c> code (collect, access, use, disclose, correct), a class a FHIR resource type;
/// either may also be <c>"system|code"</c> or <c>{"system":..,"code":..}</c>. Unknown or repeated fields are errors.
/// </summary>
internal sealed record DelegationRequest(string? Patient, string Delegate, DelegateKind Kind, DelegationScope Scope, DelegationSource Source)
{
    public const int MaxBodyBytes = 16 * 1024;
    private const int MaxCodings = 200;

    private static readonly string[] Fields = ["patient", "delegate", "kind", "period", "actions", "classes", "source"];
    private static readonly string[] ActionCodes = ["collect", "access", "use", "disclose", "correct"];

    /// <exception cref="FhirProblemException">400 naming what is wrong.</exception>
    public static DelegationRequest Parse(byte[] body, DateTimeOffset now)
    {
        using var document = ParseObject(body);
        var root = document.RootElement;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!Fields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw Bad($"'{property.Name}' is not a field of a delegation; use {string.Join(", ", Fields)}");
            }

            if (!seen.Add(property.Name))
            {
                throw Bad($"'{property.Name}' is given twice");
            }
        }

        var patient = OptionalText(root, "patient");
        var delegateReference = RequiredText(root, "delegate");
        if (!delegateReference.StartsWith("RelatedPerson/", StringComparison.Ordinal) || !ResourceRepository.IsValidId(delegateReference["RelatedPerson/".Length..]))
        {
            throw Bad($"'delegate' must be a RelatedPerson reference such as RelatedPerson/g-1, not '{delegateReference}'");
        }

        var kind = RequiredText(root, "kind") switch
        {
            "guardian" => DelegateKind.Guardian,
            "caregiver" => DelegateKind.Caregiver,
            var other => throw Bad($"'kind' must be guardian or caregiver, not '{other}'"),
        };
        var source = OptionalText(root, "source") switch
        {
            null or "patient" => DelegationSource.Patient,
            "court-order" => DelegationSource.CourtOrder,
            var other => throw Bad($"'source' must be patient or court-order, not '{other}'"),
        };
        var period = PeriodOf(root);
        if (period.End is { } end && end <= now)
        {
            throw Bad($"the delegation's period ended at {end:O}: it would never be in force");
        }

        var scope = new DelegationScope
        {
            Period = period,
            Actions = Codings(root, "actions", ActionOf),
            Classes = Codings(root, "classes", ClassOf),
        };
        return new DelegationRequest(patient is null ? null : PatientAuthority.ParsePatient(patient, "patient"), delegateReference, kind, scope, source);
    }

    private static JsonDocument ParseObject(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Bad($"the body is not JSON: {e.Message}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw Bad("the body must be a JSON object");
        }

        return document;
    }

    private static ModelPeriod PeriodOf(JsonElement root)
    {
        if (!root.TryGetProperty("period", out var period))
        {
            return ModelPeriod.Always;
        }

        if (period.ValueKind != JsonValueKind.Object || period.EnumerateObject().Any(p => p.Name is not ("start" or "end")))
        {
            throw Bad("'period' must be an object with 'start' and/or 'end' (FHIR dates)");
        }

        ModelPeriod parsed;
        try
        {
            parsed = ModelPeriod.FromFhir(OptionalText(period, "start"), OptionalText(period, "end"));
        }
        catch (FormatException e)
        {
            throw Bad($"'period': {e.Message}");
        }

        return parsed.IsEmpty ? throw Bad($"'period' {parsed} contains no instant: its end is not after its start") : parsed;
    }

    private static Coding[] Codings(JsonElement root, string name, Func<string, Coding> fromText)
    {
        if (!root.TryGetProperty(name, out var list))
        {
            return [];
        }

        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxCodings)
        {
            throw Bad($"'{name}' must be an array of at most {MaxCodings} codes");
        }

        var codings = new List<Coding>();
        foreach (var item in list.EnumerateArray())
        {
            var coding = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString()!.Contains('|', StringComparison.Ordinal) ? SystemAndCode(item.GetString()!, name) : fromText(item.GetString()!),
                JsonValueKind.Object => ObjectCoding(item, name),
                _ => throw Bad($"'{name}' holds a {item.ValueKind}; use a code, \"system|code\" or {{\"system\":..,\"code\":..}}"),
            };
            if (!codings.Contains(coding))
            {
                codings.Add(coding);
            }
        }

        return [.. codings];
    }

    private static Coding ActionOf(string code) =>
        ActionCodes.Contains(code, StringComparer.Ordinal)
            ? new Coding(CodeSystems.ConsentAction, code)
            : throw Bad($"action '{code}' is not a consent action; use {string.Join(", ", ActionCodes)}");

    private static Coding ClassOf(string type) =>
        Hl7.Fhir.Model.ModelInfo.IsKnownResource(type)
            ? ResourceClasses.OfType(type)
            : throw Bad($"class '{type}' is not a FHIR R4 resource type (or give a class code as \"system|code\")");

    private static Coding SystemAndCode(string text, string name)
    {
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        var coding = new Coding(text[..bar], text[(bar + 1)..]);
        return Complete(coding, name);
    }

    private static Coding ObjectCoding(JsonElement item, string name)
    {
        if (item.EnumerateObject().Any(p => p.Name is not ("system" or "code")))
        {
            throw Bad($"a coding of '{name}' has only 'system' and 'code'");
        }

        return Complete(new Coding(OptionalText(item, "system") ?? string.Empty, OptionalText(item, "code") ?? string.Empty), name);
    }

    private static Coding Complete(Coding coding, string name) =>
        coding.IsComplete && !coding.Code.Any(char.IsWhiteSpace) && coding.System.Length <= 256 && coding.Code.Length <= 128
            ? coding
            : throw Bad($"'{coding}' in '{name}' needs a system (at most 256 characters) and a code (at most 128, no spaces)");

    private static string RequiredText(JsonElement element, string name) =>
        OptionalText(element, name) ?? throw Bad($"'{name}' is required");

    private static string? OptionalText(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= 256 } text
            ? text
            : throw Bad($"'{name}' must be a non-empty string of at most 256 characters");
    }

    private static FhirProblemException Bad(string message) => FhirProblemException.BadRequest(message);
}
