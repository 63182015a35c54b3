using System.Globalization;
using CareLedger.Ai.Inference;
using CareLedger.Fhir;
using CareLedger.Fhir.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Portal.Records;

/// <summary>
/// Reads a patient's record for the portal through the FHIR layer, as the signed-in person: every read is decided and
/// audited by the access layer, and what consent withholds is counted, not shown.
/// </summary>
internal static partial class PatientTimeline
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
            withheld)
        {
            Identifiers = [.. patient.Identifier],
        };
    }

    /// <summary>
    /// The record with what other members disclosed added to the timeline, each entry marked with its holder, and a notice
    /// in plain words for every member that could not be asked or refused (the records here still show).
    /// </summary>
    /// <param name="ownRecords">True when the reader is the patient ("Your records"), false for a clinician ("This patient's records").</param>
    public static PatientRecord WithRemote(PatientRecord local, IEnumerable<(string Holder, IReadOnlyList<System.Text.Json.Nodes.JsonObject> Records, int Status, string? Refusal)> answers,
        bool ownRecords = true)
    {
        var whose = ownRecords ? "Your records" : "This patient's records";
        var here = ownRecords ? "Your records here" : "The records held here";
        var entries = new List<TimelineEntry>(local.Entries);
        var notices = new List<string>(local.Notices);
        foreach (var (holder, records, status, refusal) in answers)
        {
            if (refusal is not null)
            {
                notices.Add(status == StatusCodes.Status502BadGateway
                    ? $"{whose} held by {holder} cannot be shown just now: that member of the network could not be reached. {here} are shown below; please try again later."
                    : $"{whose} held by {holder} are not shown: that member of the network refused ({refusal.TrimEnd('.')}). {here} are shown below.");
                continue;
            }

            foreach (var json in records)
            {
                var resource = Fhir.Validation.FhirSerialization.ParseJson(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString()));
                var entry = resource is Observation o ? Describe(o) : Describe(resource);
                if (entry is not null)
                {
                    entries.Add(entry with { Holder = holder });
                }
            }
        }

        return local with
        {
            Entries = [.. entries.OrderByDescending(e => e.When ?? DateTimeOffset.MinValue)],
            Notices = notices,
        };
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
        RiskAssessment r when r.GetExtension(PredictionResources.ModelExtension) is not null => DescribeAi(r),
        RiskAssessment r => new TimelineEntry(When((r.Occurrence as FhirDateTime)?.Value), "Risk assessment",
            Text(r.Prediction.FirstOrDefault()?.Outcome) ?? Text(r.Code) ?? "Risk assessment",
            r.Prediction.FirstOrDefault()?.Probability is FhirDecimal p ? $"probability {p.Value:0.00}" : null),
        _ => null,
    };

    /// <summary>How many of a prediction's contributions the timeline puts in words.</summary>
    private const int FactorsShown = 3;

    /// <summary>
    /// A prediction of the node's AI (docs/ai.md): the model (the method's display: name, version, kind), the outcome and
    /// its likelihood, who asked, and the largest contributions in words — from the extensions the inference service
    /// wrote, so the patient reads what the clinician was shown.
    /// </summary>
    private static TimelineEntry DescribeAi(RiskAssessment r)
    {
        var prediction = r.Prediction.FirstOrDefault();
        var outcome = Text(prediction?.Outcome) ?? "Risk";
        var likelihood = prediction?.QualitativeRisk?.Coding.FirstOrDefault()?.Display?.ToLowerInvariant();
        var probability = prediction?.Probability is FhirDecimal p && p.Value is { } v ? v.ToString("0%", CultureInfo.InvariantCulture) : null;
        var said = (likelihood, probability) switch
        {
            ({ } l, { } pc) => $"{outcome}: {l} (probability {pc})",
            (null, { } pc) => $"{outcome}: probability {pc}",
            _ => outcome,
        };
        // The method's text is the model's name, version and kind; its code the model id.
        var model = r.Method?.Text ?? r.Method?.Coding.FirstOrDefault()?.Code ?? "a model of this node";
        var requester = r.GetExtension(PredictionResources.RequesterExtension);
        var role = (requester?.GetExtension("role")?.Value as Code)?.Value;
        var requestedBy = role is null ? "not recorded" : role == "clinician" ? "a clinician" : $"a {role}";
        var factors = r.GetExtensions(PredictionResources.ContributionExtension).Take(FactorsShown).Select(Factor).ToList();
        var assessment = new AiAssessment(model, said, requestedBy, factors);
        return new TimelineEntry(When((r.Occurrence as FhirDateTime)?.Value), "AI assessment", $"{model}: {said}", $"Requested by {requestedBy}")
        {
            Assessment = assessment,
        };
    }

    private static string Factor(Extension contribution)
    {
        var display = (contribution.GetExtension("code")?.Value as Coding)?.Display;
        var name = display is not null ? PlainName(display) : (contribution.GetExtension("feature")?.Value as FhirString)?.Value ?? "a measurement";
        var value = (contribution.GetExtension("value")?.Value as FhirDecimal)?.Value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "not recorded";
        var effect = (contribution.GetExtension("contribution")?.Value as FhirDecimal)?.Value switch
        {
            > 0 => "raised the risk",
            < 0 => "lowered the risk",
            _ => "made no difference",
        };
        return $"{name} ({value}) {effect}";
    }

    /// <summary>
    /// A code's display in plainer words: without LOINC's bracketed property and unit parts ("[Mass/volume]", "[#]") and
    /// with its "--" qualifier as a clause ("Glucose in Serum or Plasma, 2 hours post 75 g glucose PO").
    /// </summary>
    public static string PlainName(string display)
    {
        var plain = Bracketed().Replace(display, string.Empty);
        plain = plain.Replace(" --", ", ", StringComparison.Ordinal);
        return string.Join(' ', plain.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Replace(" ,", ",", StringComparison.Ordinal).Trim();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[[^\]]*\]")]
    private static partial System.Text.RegularExpressions.Regex Bracketed();

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
