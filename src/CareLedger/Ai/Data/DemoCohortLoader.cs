using System.Globalization;
using CareLedger.Analytics.Data;
using CareLedger.Fhir;
using CareLedger.Fhir.Bundles;
using Hl7.Fhir.Model;

namespace CareLedger.Ai.Data;

/// <summary>
/// Turns the rows of a reference data set into the FHIR records of synthetic demo patients — a Patient, one
/// Observation per measured feature (a Pima zero that means "not measured" is no Observation), the outcome as an
/// Observation with <c>valueBoolean</c>, and the patient's consents — written through the normal FHIR write path
/// (validated, encrypted, ledgered) as the custodian. Idempotent: every resource carries an identifier and a logical id
/// both derived from its row (<c>demo-pima-0001-glucose</c>); what already exists is found by id (the vault's primary
/// key: an identifier search costs milliseconds per lookup) and not written again.
/// </summary>
public sealed class DemoCohortLoader(FhirService fhir, FhirCaller custodian)
{
    /// <summary>Identifiers of demo resources live under this prefix, one system per data set.</summary>
    public const string IdentifierPrefix = "https://careledger.org/fhir/demo/";

    // A ledger transaction carries at most 512 records; a bundle of whole patients stays below it.
    private const int MaxEntriesPerBundle = 480;

    private readonly BundleProcessor _bundles = new(fhir);

    /// <summary>data/clinical as it ships beside the executable (copied at build time).</summary>
    public static string ShippedDataDirectory => Path.Combine(AppContext.BaseDirectory, "DemoData", "clinical");

    /// <summary>The reference CSV of a feature set, read and validated (data/clinical, shipped as DemoData/clinical).</summary>
    public static FeatureTable ReadReference(FeatureSet set, string directory)
    {
        var path = Path.Combine(directory, set.Id + ".csv");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"the reference data {path} is missing; rebuild the project (data/clinical ships as DemoData/clinical)", path);
        }

        using var reader = new StreamReader(path);
        var table = set.Id switch
        {
            "wdbc" => ReferenceDatasets.ReadWdbc(reader),
            "pima" => ReferenceDatasets.ReadPima(reader),
            _ => throw new ArgumentException($"no reference data for feature set '{set.Id}'", nameof(set)),
        };
        if (!table.FeatureNames.SequenceEqual(set.FeatureNames, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{path} has the columns {string.Join(",", table.FeatureNames)}, not the feature set's {string.Join(",", set.FeatureNames)}");
        }

        return table;
    }

    /// <param name="rows">How many rows from the top (all when null).</param>
    /// <param name="treatingPractitioner">The practitioner named in the treatment consents (e.g. <c>Practitioner/123</c>); none are written when null.</param>
    public async Task<DemoLoadReport> LoadAsync(FeatureSet set, FeatureTable table, int? rows, string? treatingPractitioner, IProgress<int>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(table);
        if (rows is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "load at least one row");
        }

        if (treatingPractitioner is not null && (!treatingPractitioner.StartsWith("Practitioner/", StringComparison.Ordinal) || fhir.Repository.Head("Practitioner", treatingPractitioner["Practitioner/".Length..]) is not { Deleted: false }))
        {
            throw new ArgumentException($"the treating practitioner '{treatingPractitioner}' is not a Practitioner stored on this node", nameof(treatingPractitioner));
        }

        var count = Math.Min(rows ?? table.Count, table.Count);
        var report = new DemoLoadReport(set.Id, count);
        var bundle = NewBundle();
        for (var row = 0; row < count; row++)
        {
            ct.ThrowIfCancellationRequested();
            var entries = EntriesFor(set, table, row, treatingPractitioner, report);
            if (bundle.Entry.Count + entries.Count > MaxEntriesPerBundle)
            {
                await CommitAsync(bundle, ct);
                bundle = NewBundle();
            }

            bundle.Entry.AddRange(entries);
            progress?.Report(row + 1);
        }

        await CommitAsync(bundle, ct);
        return report;
    }

    private List<Bundle.EntryComponent> EntriesFor(FeatureSet set, FeatureTable table, int row, string? practitioner, DemoLoadReport report)
    {
        var source = table.Rows[row];
        var system = IdentifierPrefix + set.Id;
        var key = "row-" + (row + 1).ToString("0000", CultureInfo.InvariantCulture);
        var patientId = PatientId(set, row);
        var subject = "Patient/" + patientId;
        var ageIndex = set.Features.ToList().FindIndex(f => f.Code.Matches(ClinicalCode.Loinc, "30525-0"));
        var demographics = DemoDemographics.For(set.Id, row, ageIndex >= 0 ? source.Features[ageIndex] : null);

        var wanted = new List<Resource>
        {
            new Patient
            {
                Id = patientId,
                Identifier = [new Identifier(system, key)],
                Active = true,
                Gender = demographics.Gender == "male" ? AdministrativeGender.Male : AdministrativeGender.Female,
                BirthDate = Date(demographics.BirthDate),
            },
        };
        var observations = system + "/observation";
        for (var i = 0; i < set.Features.Count; i++)
        {
            if (!float.IsNaN(source.Features[i]))
            {
                var feature = set.Features[i];
                wanted.Add(Measurement(IdOf(patientId, feature.Name), new Identifier(observations, $"{key}/{feature.Name}"), feature, source.Features[i], subject, demographics.MeasuredOn));
            }
        }

        wanted.Add(new Observation
        {
            Id = IdOf(patientId, set.Outcome.Code),
            Identifier = [new Identifier(observations, $"{key}/{set.Outcome.Code}")],
            Status = ObservationStatus.Final,
            Code = Concept(set.Outcome),
            Subject = new ResourceReference(subject),
            Effective = new FhirDateTime(Date(demographics.MeasuredOn)),
            Value = new FhirBoolean(source.Label),
        });

        var consents = system + "/consent";
        if (DemoConsents.HasResearchConsent(row))
        {
            report.ResearchConsents++;
            wanted.Add(DemoConsents.Research(IdOf(patientId, "research"), subject, new Identifier(consents, $"{key}/research"), demographics.MeasuredOn));
        }

        if (practitioner is not null && DemoConsents.HasTreatmentConsent(row))
        {
            report.TreatmentConsents++;
            wanted.Add(DemoConsents.Treatment(IdOf(patientId, "treatment"), subject, new Identifier(consents, $"{key}/treatment"), demographics.MeasuredOn, practitioner));
        }

        var entries = new List<Bundle.EntryComponent>();
        foreach (var resource in wanted)
        {
            var present = fhir.Repository.Head(resource.TypeName, resource.Id!) is { Deleted: false };
            if (!present)
            {
                entries.Add(Create(resource));
            }

            if (resource is Patient)
            {
                report.PatientsCreated += present ? 0 : 1;
                report.PatientsPresent += present ? 1 : 0;
            }
            else
            {
                report.ResourcesPresent += present ? 1 : 0;
            }
        }

        return entries;
    }

    /// <summary>The demo patient's logical id, derived from the row like its identifier (e.g. <c>demo-pima-0001</c>).</summary>
    public static string PatientId(FeatureSet set, int row) => $"demo-{set.Id}-{(row + 1).ToString("0000", CultureInfo.InvariantCulture)}";

    // FHIR ids allow letters, digits, '-' and '.': feature names lose their underscores.
    private static string IdOf(string patientId, string part) => $"{patientId}-{part.Replace('_', '-')}";

    private static Observation Measurement(string id, Identifier identifier, FeatureDefinition feature, float value, string subject, DateOnly measuredOn) => new()
    {
        Id = id,
        Identifier = [identifier],
        Status = ObservationStatus.Final,
        Code = Concept(feature.Code),
        Subject = new ResourceReference(subject),
        Effective = new FhirDateTime(Date(measuredOn)),
        Value = feature.Unit is { } unit
            ? new Quantity(ToDecimal(value), unit, "http://unitsofmeasure.org")
            : new Quantity { Value = ToDecimal(value) },
    };

    // The shortest text that reads back as the same float, so the stored value is exactly the reference value.
    private static decimal ToDecimal(float value) =>
        decimal.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static CodeableConcept Concept(ClinicalCode code) => new() { Coding = [new Coding(code.System, code.Code, code.Display)] };

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static Bundle.EntryComponent Create(Resource resource) => new()
    {
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = resource.TypeName },
    };

    private static Bundle NewBundle() => new() { Type = Bundle.BundleType.Transaction };

    private async System.Threading.Tasks.Task CommitAsync(Bundle bundle, CancellationToken ct)
    {
        if (bundle.Entry.Count == 0)
        {
            return;
        }

        // The ids are kept (as the importer keeps a source's ids); one that exists is reported present, not written again.
        await _bundles.ProcessAsync(custodian, bundle, BundleOptions.Import with { ReturnResources = false }, "urn:careledger:demo-loader", ct);
    }
}
