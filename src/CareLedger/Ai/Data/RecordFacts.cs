using System.Globalization;
using System.Text.Json;

namespace CareLedger.Ai.Data;

/// <summary>
/// The few facts the models read from a disclosed record's canonical JSON: an Observation's codings, number or boolean
/// value and date; a Patient's sex and birth date. Read with System.Text.Json (thousands per training run), not parsed
/// into FHIR objects.
/// </summary>
internal static class RecordFacts
{
    public static ObservationFacts Observation(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var codes = new List<(string? System, string? Code)>();
        if (root.TryGetProperty("code", out var code) && code.TryGetProperty("coding", out var coding) && coding.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in coding.EnumerateArray())
            {
                codes.Add((Text(c, "system"), Text(c, "code")));
            }
        }

        double? number = null;
        bool? flag = null;
        if (root.TryGetProperty("valueQuantity", out var quantity) && quantity.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Number)
        {
            number = value.GetDouble();
        }
        else if (root.TryGetProperty("valueInteger", out var integer) && integer.ValueKind == JsonValueKind.Number)
        {
            number = integer.GetDouble();
        }
        else if (root.TryGetProperty("valueBoolean", out var boolean) && boolean.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            flag = boolean.GetBoolean();
        }

        var subject = root.TryGetProperty("subject", out var s) ? Text(s, "reference") : null;
        return new ObservationFacts(codes, number, flag, Instant(Text(root, "effectiveDateTime")), subject, Text(root, "status"));
    }

    /// <summary>US Core's ethnicity extension (OMB categories), as Synthea and US EHRs record it.</summary>
    public const string UsCoreEthnicity = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity";

    public static PatientFacts Patient(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var birth = Text(root, "birthDate");
        DateOnly? birthDate = birth is not null && DateOnly.TryParseExact(birth, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
        return new PatientFacts(Text(root, "gender"), birthDate, Ethnicity(root));
    }

    // The OMB category's display (e.g. "Hispanic or Latino"), else the extension's text; null when not recorded.
    private static string? Ethnicity(JsonElement patient)
    {
        if (!patient.TryGetProperty("extension", out var extensions) || extensions.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var extension in extensions.EnumerateArray())
        {
            if (Text(extension, "url") != UsCoreEthnicity || !extension.TryGetProperty("extension", out var parts) || parts.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            string? text = null;
            foreach (var part in parts.EnumerateArray())
            {
                switch (Text(part, "url"))
                {
                    case "ombCategory" when part.TryGetProperty("valueCoding", out var coding) && (Text(coding, "display") ?? Text(coding, "code")) is { } category:
                        return category;
                    case "text":
                        text = Text(part, "valueString");
                        break;
                }
            }

            return text;
        }

        return null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // FHIR dateTime: a year, year-month, date or instant; partial dates start at their first day.
    private static DateTimeOffset? Instant(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string[] formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd", "yyyy-MM", "yyyy"];
        return DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? instant
            : null;
    }
}

/// <summary>What a model reads from one Observation. Status entered-in-error or cancelled makes a value unusable.</summary>
internal sealed record ObservationFacts(
    IReadOnlyList<(string? System, string? Code)> Codes,
    double? Number,
    bool? Boolean,
    DateTimeOffset? Effective,
    string? Subject,
    string? Status)
{
    public bool Usable => Status is not ("entered-in-error" or "cancelled");

    public bool Has(ClinicalCode code) => Codes.Any(c => code.Matches(c.System, c.Code));
}

/// <summary>The attributes the bias audit groups by (ethnicity only where the record carries US Core's extension).</summary>
internal sealed record PatientFacts(string? Gender, DateOnly? BirthDate, string? Ethnicity = null)
{
    public int? AgeOn(DateOnly day)
    {
        if (BirthDate is not { } born || born > day)
        {
            return null;
        }

        var age = day.Year - born.Year;
        return born.AddYears(age) > day ? age - 1 : age;
    }
}
