using System.Globalization;
using CareLedger.Fhir;
using CareLedger.Fhir.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Portal.Records;

/// <summary>
/// Reads a patient's record for the portal through the FHIR layer, as the signed-in person: every read is decided and
/// audited by the access layer, and what consent withholds is counted, not shown.
/// </summary>
internal static class PatientTimeline
{
    /// <summary>The resource types of the timeline, each read with one search.</summary>
    public static readonly string[] Types = ["Encounter", "Condition", "Observation", "MedicationRequest", "Immunization", "RiskAssessment"];

    /// <summary>Vital signs charted when they have two or more values (LOINC).</summary>
    private static readonly string[] ChartedCodes = ["29463-7", "39156-5", "8302-2", "8867-4", "8480-6", "2339-0", "4548-4"];

    /// <exception cref="Fhir.Errors.FhirProblemException">403 when the access layer refuses the patient (audited), 404 if unknown.</exception>
    public static PatientRecord Load(FhirService fhir, FhirCaller caller, string patientId, string baseUrl)
    {
        var (json, _) = fhir.Read(caller, "Patient", patientId);
        var patient = (Patient)Fhir.Validation.FhirSerialization.ParseJson(json);
        var entries = new List<TimelineEntry>();
        var observations = new List<Observation>();
        var withheld = 0;
        foreach (var type in Types)
        {
            var request = SearchRequestParser.Parse(type, [new("patient", $"Patient/{patientId}"), new("_count", SearchRequestParser.MaxCount.ToString(CultureInfo.InvariantCulture))]);
            var bundle = fhir.Search(caller, request, baseUrl);
            foreach (var entry in bundle.Entry)
            {
                switch (entry.Resource)
                {
                    case OperationOutcome outcome:
                        withheld += WithheldCount(outcome);
                        break;
                    case Observation observation:
                        observations.Add(observation);
                        entries.Add(Describe(observation));
                        break;
                    case { } resource when Describe(resource) is { } line:
                        entries.Add(line);
                        break;
                }
            }
        }

        return new PatientRecord(
            patientId,
            NameOf(patient),
            patient.BirthDate,
            [.. entries.OrderByDescending(e => e.When ?? DateTimeOffset.MinValue)],
            Vitals(observations),
            withheld);
    }

    public static string NameOf(Patient patient) =>
        patient.Name.FirstOrDefault() is { } name
            ? string.Join(' ', name.Given.Append(name.Family).Where(p => !string.IsNullOrWhiteSpace(p)))
            : $"Patient {patient.Id}";

    /// <summary>FHIR dates and date-times ("2019", "2019-05", "2019-05-31", with time and offset) as instants.</summary>
    public static DateTimeOffset? When(string? fhirDate)
    {
        if (string.IsNullOrEmpty(fhirDate))
        {
            return null;
        }

        var text = fhirDate.Length switch
        {
            4 => fhirDate + "-01-01",
            7 => fhirDate + "-01",
            _ => fhirDate,
        };
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when) ? when : null;
    }

    private static int WithheldCount(OperationOutcome outcome) =>
        outcome.Issue.Where(i => i.Code == OperationOutcome.IssueType.Suppressed)
            .Sum(i => int.TryParse(i.Diagnostics?.Split(' ', 2)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1);

    private static TimelineEntry? Describe(Resource resource) => resource switch
    {
        Encounter e => new TimelineEntry(When(e.Period?.Start), "Encounter", Text(e.Type.FirstOrDefault()) ?? "Encounter", e.Status?.ToString()),
        Condition c => new TimelineEntry(When((c.Onset as FhirDateTime)?.Value ?? c.RecordedDate), "Condition", Text(c.Code) ?? "Condition",
            Text(c.ClinicalStatus)),
        MedicationRequest m => new TimelineEntry(When(m.AuthoredOn), "Medication", Text(m.Medication as CodeableConcept) ?? "Medication", m.Status?.ToString()),
        Immunization i => new TimelineEntry(When((i.Occurrence as FhirDateTime)?.Value), "Immunisation", Text(i.VaccineCode) ?? "Immunisation", null),
        RiskAssessment r => new TimelineEntry(When((r.Occurrence as FhirDateTime)?.Value), "Risk assessment",
            Text(r.Prediction.FirstOrDefault()?.Outcome) ?? Text(r.Code) ?? "Risk assessment",
            r.Prediction.FirstOrDefault()?.Probability is FhirDecimal p ? $"probability {p.Value:0.00}" : null),
        _ => null,
    };

    private static TimelineEntry Describe(Observation o) =>
        new(When((o.Effective as FhirDateTime)?.Value ?? o.Issued?.ToString("o", CultureInfo.InvariantCulture)), "Observation", Text(o.Code) ?? "Observation", ValueOf(o));

    private static string? ValueOf(Observation o)
    {
        if (o.Value is { } value)
        {
            return ValueText(value);
        }

        var parts = o.Component.Select(c => c.Value is { } v ? $"{Text(c.Code)}: {ValueText(v)}" : null).OfType<string>().ToList();
        return parts.Count > 0 ? string.Join("; ", parts) : null;
    }

    private static string? ValueText(DataType value) => value switch
    {
        Quantity q => $"{q.Value?.ToString("0.##", CultureInfo.InvariantCulture)} {q.Unit}".Trim(),
        CodeableConcept c => Text(c),
        FhirString s => s.Value,
        _ => value.ToString(),
    };

    private static string? Text(CodeableConcept? concept) =>
        concept is null ? null : concept.Text ?? concept.Coding.FirstOrDefault()?.Display ?? concept.Coding.FirstOrDefault()?.Code;

    private static List<VitalSeries> Vitals(List<Observation> observations)
    {
        var series = new List<VitalSeries>();
        foreach (var code in ChartedCodes)
        {
            var points = observations
                .Where(o => o.Code.Coding.Any(c => c.System == "http://loinc.org" && c.Code == code))
                .Select(o => (Observation: o, When: When((o.Effective as FhirDateTime)?.Value), Quantity: o.Value as Quantity))
                .Where(p => p.When is not null && p.Quantity?.Value is not null)
                .OrderBy(p => p.When)
                .ToList();
            if (points.Count >= 2)
            {
                series.Add(new VitalSeries(code, Text(points[0].Observation.Code) ?? code, points[0].Quantity!.Unit ?? string.Empty,
                    [.. points.Select(p => new VitalPoint(p.When!.Value, p.Quantity!.Value!.Value))]));
            }
        }

        return series;
    }
}
