using System.Text.Json;
using CareLedger.Access.Audit.Fhir;
using CareLedger.Access.Gate;
using CareLedger.Access.Notifications;
using CareLedger.AccessApi;
using CareLedger.Fhir;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Validation;
using CareLedger.Node;
using CareLedger.Vault;
using CareLedger.Vault.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Compliance;

/// <summary>
/// Everything this node holds about a patient (GDPR Art. 15 access, Art. 20 portability) as one FHIR Bundle of type
/// collection: a summary OperationOutcome; every current resource of the patient's compartment, disclosed through the
/// access layer as an export (each page decided and audited; what it withholds is counted, never shown); the patient's
/// access log as AuditEvents; and their delegations and notifications as JSON Binaries (the same JSON as /access).
/// </summary>
internal static class GdprExport
{
    public const string AuditDetail = "GDPR Art. 15/20 export";

    private const int PageSize = 500;
    private const int DisclosureChunk = 1000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Every resource type a patient's compartment can hold: the vault files a record under the patient it names.</summary>
    private static readonly string[] ResourceTypes = [.. ModelInfo.SupportedResources.Where(ModelInfo.IsKnownResource).Order(StringComparer.Ordinal)];

    public static Bundle Build(CareLedgerNode node, FhirCaller caller, ViewedPatient patient, string fhirBaseUrl)
    {
        var pseudonym = patient.RequirePseudonym();
        var bundle = new Bundle { Type = Bundle.BundleType.Collection, Timestamp = DateTimeOffset.UtcNow };
        var summary = new OperationOutcome();
        bundle.Entry.Add(new Bundle.EntryComponent { Resource = summary });

        var (disclosed, withheld) = AddRecords(node, caller, patient, fhirBaseUrl, bundle);
        // The log is read, not disclosed through the gate: it holds no clinical content (and reading it is not audited).
        var log = PatientAuditLog.Read(node.Audit, pseudonym, null);
        foreach (var entry in log)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{fhirBaseUrl}/AuditEvent/{entry.Record.Id:D}",
                Resource = AuditEvents.ToFhir(entry, patient.Reference),
            });
        }

        var delegations = node.Delegations.ForPatient(pseudonym);
        bundle.Entry.Add(JsonBinary("delegations", new { delegations = delegations.Select(g => DelegationJson.Describe(g, patient.Id, node.Delegations.AnchorsOf(g.Id))) }));
        var notifications = node.Notifications.For(NotificationRecipient.Patient(pseudonym));
        bundle.Entry.Add(JsonBinary("notifications", new { notifications = notifications.Select(NotificationEndpoints.Describe) }));

        summary.Issue.Add(Issue(OperationOutcome.IssueSeverity.Information,
            $"{patient.Reference}: {disclosed} resources, {log.Count} access log entries (AuditEvent), {delegations.Count} delegations and {notifications.Count} notifications"));
        if (withheld > 0)
        {
            summary.Issue.Add(Issue(OperationOutcome.IssueSeverity.Warning,
                $"{withheld} resources were withheld by the access layer: the caller may not receive them (the refusal is in the access log)"));
        }

        return bundle;
    }

    private static (int Disclosed, int Withheld) AddRecords(CareLedgerNode node, FhirCaller caller, ViewedPatient patient, string fhirBaseUrl, Bundle bundle)
    {
        var repository = node.Fhir.Repository;
        var addresses = new List<RecordAddress>();
        foreach (var type in ResourceTypes)
        {
            for (var skip = 0; ; skip += PageSize)
            {
                var page = repository.Query(new VaultQuery(type) { PatientId = patient.Id, Sort = [VaultSort.ById()], Skip = skip, Take = PageSize }).Records;
                addresses.AddRange(page.Select(h => new RecordAddress(h.ResourceType, h.Id, 0)));
                if (page.Count < PageSize)
                {
                    break;
                }
            }
        }

        var (disclosed, withheld) = (0, 0);
        foreach (var chunk in addresses.Chunk(DisclosureChunk))
        {
            var disclosure = repository.ReadMany(caller, AccessAction.Export, chunk, AuditDetail);
            withheld += disclosure.Withheld;
            foreach (var record in disclosure.Records)
            {
                disclosed++;
                bundle.Entry.Add(new Bundle.EntryComponent
                {
                    FullUrl = $"{fhirBaseUrl}/{record.Address.ResourceType}/{record.Address.Id}",
                    Resource = FhirSerialization.ParseJson(record.Json),
                });
            }
        }

        return (disclosed, withheld);
    }

    private static Bundle.EntryComponent JsonBinary(string id, object content) => new()
    {
        Resource = new Binary { Id = id, ContentType = "application/json", Data = JsonSerializer.SerializeToUtf8Bytes(content, Json) },
    };

    private static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueSeverity severity, string text) =>
        new() { Severity = severity, Code = OperationOutcome.IssueType.Informational, Diagnostics = text };
}
