using System.Security.Cryptography;
using CareLedger.Access.Gate;
using CareLedger.Ai.Data;
using CareLedger.Analytics.Data;
using CareLedger.Analytics.Registry;
using CareLedger.Fhir;
using CareLedger.Ledger.Engine;
using CareLedger.Vault;
using CareLedger.Vault.Search;

namespace CareLedger.Ai.Training;

/// <summary>
/// Reads a feature set's data for every patient who has any of it, through the access layer as the given caller
/// (a researcher, purpose HRESCH, action use): the door decides each record against the patient's consents and audits
/// one decision per patient. Finding the candidates uses the index only (ids and pseudonyms, nothing decrypted).
/// A candidate whose outcome is released is included; one whose records were withheld is excluded without consent;
/// one without an outcome is incomplete. Every record used is named by its commitment on the ledger.
/// </summary>
internal sealed class CohortReader(FhirService fhir, Vault.Vault vault, LedgerEngine ledger)
{
    private const int PatientsPerRead = 200;

    /// <param name="requireAllFeatures">Leave out (as incomplete) rows with a missing feature: for models that cannot impute (ONNX).</param>
    public ConsentedCohort Read(FhirCaller caller, FeatureSet set, bool requireAllFeatures, CancellationToken ct)
    {
        var purpose = caller.Context.Purpose ?? PurposeDefaults.For(caller.Who.Role, caller.Context.BreakGlass is not null);
        var detail = $"AI training data: {set.Id}";
        fhir.Repository.RequireScope(caller, AccessAction.Use, "Observation", detail);
        fhir.Repository.RequireScope(caller, AccessAction.Use, "Patient", detail);

        var codes = string.Join(",", set.Features.Select(f => f.Code.Token).Append(set.Outcome.Token));
        var observations = fhir.FindMatches("Observation", [new("code", codes)], int.MaxValue);
        var patientIds = fhir.Repository.Query(new VaultQuery("Patient") { Take = int.MaxValue }).Records
            .Where(p => p.Patient is not null)
            .GroupBy(p => Convert.ToHexString(p.Patient!))
            .ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        var candidates = observations.Where(o => o.Patient is not null)
            .GroupBy(o => Convert.ToHexString(o.Patient!), StringComparer.Ordinal)
            .Select(g => new Candidate(patientIds.GetValueOrDefault(g.Key), g.Key, [.. g.Select(o => new RecordAddress("Observation", o.Id, 0))]))
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .ToList();

        var rows = new List<CohortRow>();
        int withoutConsent = 0, incomplete = 0, withheldOfIncluded = 0;
        foreach (var chunk in candidates.Chunk(PatientsPerRead))
        {
            ct.ThrowIfCancellationRequested();
            var addresses = chunk.SelectMany(c => c.PatientId is { } id ? c.Records.Prepend(new RecordAddress("Patient", id, 0)) : c.Records).ToList();
            var disclosure = fhir.Repository.ReadMany(caller, AccessAction.Use, addresses, detail);
            var disclosed = disclosure.Records.ToDictionary(r => (r.Address.ResourceType, r.Address.Id));
            try
            {
                foreach (var candidate in chunk)
                {
                    var asked = candidate.Records.Count + (candidate.PatientId is null ? 0 : 1);
                    var released = candidate.Records.Where(a => disclosed.ContainsKey(("Observation", a.Id))).Select(a => disclosed[("Observation", a.Id)]).ToList();
                    var patient = candidate.PatientId is { } pid && disclosed.TryGetValue(("Patient", pid), out var p) ? RecordFacts.Patient(p.Json) : null;
                    var withheld = asked - released.Count - (patient is null ? 0 : 1);
                    var row = RowOf(set, candidate, released, patient, requireAllFeatures);
                    if (row is not null)
                    {
                        rows.Add(row);
                        withheldOfIncluded += withheld;
                    }
                    else if (withheld > 0)
                    {
                        withoutConsent++;
                    }
                    else
                    {
                        incomplete++;
                    }
                }
            }
            finally
            {
                foreach (var record in disclosure.Records)
                {
                    CryptographicOperations.ZeroMemory(record.Json);
                }
            }
        }

        return new ConsentedCohort(set, rows, new TrainingCohort(purpose, candidates.Count, rows.Count, withoutConsent, incomplete, withheldOfIncluded));
    }

    private CohortRow? RowOf(FeatureSet set, Candidate candidate, List<DisclosedRecord> released, PatientFacts? patient, bool requireAllFeatures)
    {
        var features = new float[set.Features.Count];
        Array.Fill(features, float.NaN);
        var chosen = new DisclosedRecord?[set.Features.Count];
        var chosenAt = new DateTimeOffset[set.Features.Count];
        DisclosedRecord? outcomeRecord = null;
        ObservationFacts? outcome = null;
        foreach (var record in released)
        {
            var facts = RecordFacts.Observation(record.Json);
            if (!facts.Usable)
            {
                continue;
            }

            var when = facts.Effective ?? record.LastUpdated;
            if (facts.Has(set.Outcome) && facts.Boolean is not null && (outcome is null || when > (outcome.Effective ?? DateTimeOffset.MinValue)))
            {
                (outcome, outcomeRecord) = (facts, record);
                continue;
            }

            foreach (var (system, code) in facts.Codes)
            {
                var index = set.IndexOf(system, code);
                if (index >= 0 && facts.Number is { } number && (chosen[index] is null || when > chosenAt[index]))
                {
                    (features[index], chosen[index], chosenAt[index]) = ((float)number, record, when);
                }
            }
        }

        // A value beyond float's range cannot be learnt from: the row counts as incomplete.
        if (outcome is null || features.Any(float.IsInfinity) || (requireAllFeatures && features.Any(float.IsNaN)))
        {
            return null;
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (patient?.Gender is { } gender)
        {
            attributes[ConsentedCohort.Sex] = gender;
        }

        var measuredOn = DateOnly.FromDateTime((outcome.Effective ?? outcomeRecord!.LastUpdated).UtcDateTime);
        if (patient?.AgeOn(measuredOn) is { } age)
        {
            attributes[ConsentedCohort.AgeBandAttribute] = AgeBand.Of(age);
        }

        if (patient?.Ethnicity is { } ethnicity)
        {
            attributes[ConsentedCohort.EthnicityAttribute] = ethnicity;
        }

        var records = chosen.Where(r => r is not null).Append(outcomeRecord).Select(r => Commitment(r!)).ToList();
        return new CohortRow(candidate.Key, new FeatureRow(features, outcome.Boolean!.Value, attributes), records);
    }

    /// <summary>The record version's salted commitment on the ledger, and the door's decision that released it for this use.</summary>
    private TrainingRecord Commitment(DisclosedRecord record)
    {
        var reference = vault.RecordRef(record.Address.ResourceType, record.Address.Id);
        var version = ledger.State.RecordHistory(reference).LastOrDefault(v => v.Record.Version == (uint)record.Address.Version);
        if (version.Record is null)
        {
            throw new InvalidOperationException(
                $"{record.Address.ResourceType}/{record.Address.Id} version {record.Address.Version} has no commitment on the ledger; run 'careledger verify'");
        }

        return new TrainingRecord(version.Record.Commitment, $"AuditEvent/{record.AuditId}");
    }

    private sealed record Candidate(string? PatientId, string Pseudonym, IReadOnlyList<RecordAddress> Records)
    {
        /// <summary>The patient id, or the pseudonym (hex) when the patient has no Patient resource here: orders the rows.</summary>
        public string Key => PatientId ?? Pseudonym;
    }
}
