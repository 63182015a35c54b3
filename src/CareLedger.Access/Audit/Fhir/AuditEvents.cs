using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using Hl7.Fhir.Model;

namespace CareLedger.Access.Audit.Fhir;

/// <summary>
/// Renders audit entries as FHIR R4 <c>AuditEvent</c>s (the patient's "who saw my data" and the privacy officer's
/// views). Break-glass access is flagged twice: <c>agent.purposeOfUse</c> carries <c>ETREAT</c> and
/// <c>meta.security</c> carries the v3-ActReason code <c>BTG</c> ("break the glass"). The extension
/// <see cref="AnchorExtensionUrl"/> names the audit record and the ledger transaction (and leaf, once anchored) that
/// anchors it, from which a client fetches the offline-verifiable receipt.
/// </summary>
public static class AuditEvents
{
    public const string AnchorExtensionUrl = "https://careledger.org/fhir/StructureDefinition/audit-anchor";

    /// <summary>The code system of CareLedger roles (<c>agent.role</c>): the wire names of <see cref="CareLedgerRole"/>.</summary>
    public const string RoleSystem = "https://careledger.org/fhir/CodeSystem/role";

    /// <summary>The identifier system of accessors that are no FHIR resource (systems, officers): their opaque subject.</summary>
    public const string SubjectSystem = "urn:careledger:subject";

    public const string ActReasonSystem = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

    private const string AuditEventTypeSystem = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    private const string DicomSystem = "http://dicom.nema.org/resources/ontology/DCM";
    private const string InteractionSystem = "http://hl7.org/fhir/restful-interaction";
    private const string SourceTypeSystem = "http://terminology.hl7.org/CodeSystem/security-source-type";
    private const string EntityTypeSystem = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private const string ObjectRoleSystem = "http://terminology.hl7.org/CodeSystem/object-role";
    private const string ResourceTypeSystem = "http://hl7.org/fhir/resource-types";
    private const string SecurityRoleTypeSystem = "http://terminology.hl7.org/CodeSystem/extra-security-role-type";

    /// <param name="patientReference">The patient's FHIR reference (<c>Patient/123</c>) as the custodian knows it; null to leave the patient out.</param>
    public static AuditEvent ToFhir(AuditEntry entry, string? patientReference)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var record = entry.Record;
        var auditEvent = new AuditEvent
        {
            Id = record.Id.ToString("D"),
            Type = TypeOf(record.Action),
            Subtype = [new Coding(InteractionSystem, InteractionOf(record))],
            Action = ActionOf(record.Action),
            Recorded = record.Time,
            Outcome = OutcomeOf(record),
            OutcomeDesc = OutcomeDescription(record),
            PurposeOfEvent = [new CodeableConcept(ActReasonSystem, record.Purpose)],
            Agent = [AgentOf(record)],
            Source = new AuditEvent.SourceComponent
            {
                Observer = new ResourceReference { Display = record.Organisation ?? "CareLedger node" },
                Type = [new Coding(SourceTypeSystem, "4", "Application Server")],
            },
            Entity = EntitiesOf(record, patientReference),
            Extension = [AnchorOf(entry)],
        };
        if (record.BreakGlass)
        {
            auditEvent.Meta = new Meta { Security = [new Coding(ActReasonSystem, "BTG", "break the glass")] };
        }

        return auditEvent;
    }

    private static Coding TypeOf(AccessAction action) => action switch
    {
        AccessAction.Export or AccessAction.Disclose => new Coding(DicomSystem, "110106", "Export"),
        AccessAction.Use => new Coding(DicomSystem, "110110", "Patient Record"),
        _ => new Coding(AuditEventTypeSystem, "rest", "RESTful Operation"),
    };

    private static string InteractionOf(AuditRecord record) => record.Action switch
    {
        AccessAction.Read => "read",
        AccessAction.Search => "search-type",
        AccessAction.History => record.ResourceId is null ? "history-type" : "history-instance",
        AccessAction.Create => "create",
        AccessAction.Update => "update",
        AccessAction.Delete => "delete",
        _ => "operation",
    };

    private static AuditEvent.AuditEventAction ActionOf(AccessAction action) => action switch
    {
        AccessAction.Read or AccessAction.Search or AccessAction.History => AuditEvent.AuditEventAction.R,
        AccessAction.Create => AuditEvent.AuditEventAction.C,
        AccessAction.Update => AuditEvent.AuditEventAction.U,
        AccessAction.Delete => AuditEvent.AuditEventAction.D,
        _ => AuditEvent.AuditEventAction.E,
    };

    /// <summary>0 = permitted in full; 4 (minor failure) = permitted with records withheld by consent; 8 = denied.</summary>
    private static AuditEvent.AuditEventOutcome OutcomeOf(AuditRecord record) => record switch
    {
        { Outcome: AuditOutcome.Deny } => AuditEvent.AuditEventOutcome.N8,
        { Withheld: > 0 } => AuditEvent.AuditEventOutcome.N4,
        _ => AuditEvent.AuditEventOutcome.N0,
    };

    private static string? OutcomeDescription(AuditRecord record)
    {
        var parts = new List<string>(record.Reasons);
        if (record.Withheld > 0)
        {
            parts.Add($"{record.Withheld} record(s) withheld by consent");
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static AuditEvent.AgentComponent AgentOf(AuditRecord record)
    {
        var purposes = new List<CodeableConcept> { new(ActReasonSystem, record.Purpose) };
        if (record.BreakGlass && !string.Equals(record.Purpose, "ETREAT", StringComparison.Ordinal))
        {
            purposes.Add(new CodeableConcept(ActReasonSystem, "ETREAT", "emergency treatment"));
        }

        return new AuditEvent.AgentComponent
        {
            Type = record.AccessorRole == CareLedgerRole.System
                ? new CodeableConcept(SecurityRoleTypeSystem, "dataprocessor", "data processor")
                : new CodeableConcept(SecurityRoleTypeSystem, "humanuser", "human user"),
            Role = [new CodeableConcept(RoleSystem, record.AccessorRole.ToName())],
            Who = record.AccessorReference is { } reference
                ? new ResourceReference(reference)
                : new ResourceReference { Identifier = new Identifier(SubjectSystem, record.AccessorSubject) },
            AltId = record.AccessorSubject,
            Requestor = true,
            PurposeOfUse = purposes,
        };
    }

    private static List<AuditEvent.EntityComponent> EntitiesOf(AuditRecord record, string? patientReference)
    {
        var entities = new List<AuditEvent.EntityComponent>();
        if (patientReference is not null)
        {
            entities.Add(new AuditEvent.EntityComponent
            {
                What = new ResourceReference(patientReference),
                Type = new Coding(EntityTypeSystem, "1", "Person"),
                Role = new Coding(ObjectRoleSystem, "1", "Patient"),
            });
        }

        if (record.ResourceType is not null || record.Detail is not null)
        {
            entities.Add(new AuditEvent.EntityComponent
            {
                What = record is { ResourceType: { } type, ResourceId: { } id } ? new ResourceReference($"{type}/{id}") : null,
                Type = record.ResourceType is { } resourceType
                    ? new Coding(ResourceTypeSystem, resourceType)
                    : new Coding(EntityTypeSystem, "2", "System Object"),
                Role = new Coding(ObjectRoleSystem, "4", "Domain Resource"),
                Description = record.Detail,
                Detail =
                [
                    new AuditEvent.DetailComponent { Type = "disclosed", Value = new FhirString(record.Disclosed.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
                    new AuditEvent.DetailComponent { Type = "withheld", Value = new FhirString(record.Withheld.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
                ],
            });
        }

        return entities;
    }

    private static Extension AnchorOf(AuditEntry entry)
    {
        var anchor = new Extension { Url = AnchorExtensionUrl };
        anchor.Extension.Add(new Extension("recordId", new FhirString(entry.Record.Id.ToString("D"))));
        anchor.Extension.Add(new Extension("batch", new FhirDecimal(entry.Batch)));
        anchor.Extension.Add(new Extension("transactionId", new FhirString(entry.Transaction.ToString())));
        if (entry.LeafIndex is { } leaf)
        {
            anchor.Extension.Add(new Extension("leafIndex", new FhirDecimal(leaf)));
        }

        return anchor;
    }
}
