using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Fhir;
using CareLedger.Access.Gate;
using CareLedger.Ledger.Transactions;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace CareLedger.Access.Tests.Audit;

public class AuditEventsTests
{
    private static readonly TxId Transaction = TxId.Parse("01936b2e-1c00-7000-8000-0000000000aa");

    /// <summary>The base R4 specification as the node validates writes (src/CareLedger/Fhir/Validation/ResourceValidator.cs).</summary>
    private static Validator R4Validator()
    {
        var resolver = new CachedResolver(new ZipSource(Path.Combine(AppContext.BaseDirectory, "specification.zip")));
        var settings = new ValidationSettings();
        // Checks that can at most warn are not run (they are most of the cost).
#pragma warning disable ExperimentalApi // the assertion types are the documented way to filter the schema
        settings.ExcludeFilters.Add(a =>
            (a is BindingValidator b && b.Strength != BindingValidator.BindingStrength.Required)
            || (a is InvariantValidator i && (i.BestPractice || i.Severity != OperationOutcome.IssueSeverity.Error)));
#pragma warning restore ExperimentalApi
        return new Validator(resolver, new LocalTerminologyService(resolver), null, settings);
    }

    [Fact]
    public void A_permitted_read_names_who_what_why_and_where_it_is_anchored()
    {
        var record = AuditRecords.Read(AuditRecords.PatientA);

        var auditEvent = AuditEvents.ToFhir(new AuditEntry(record, 7, 3, Transaction, 42), "Patient/p-1");

        Assert.Equal(record.Id.ToString("D"), auditEvent.Id);
        Assert.Equal("rest", auditEvent.Type!.Code);
        Assert.Equal("read", Assert.Single(auditEvent.Subtype).Code);
        Assert.Equal(AuditEvent.AuditEventAction.R, auditEvent.Action);
        Assert.Equal(AuditEvent.AuditEventOutcome.N0, auditEvent.Outcome);
        Assert.Equal(record.Time.ToUnixTimeMilliseconds(), auditEvent.Recorded!.Value.ToUnixTimeMilliseconds());
        Assert.Equal("TREAT", Assert.Single(Assert.Single(auditEvent.PurposeOfEvent).Coding).Code);
        var agent = Assert.Single(auditEvent.Agent);
        Assert.Equal("Practitioner/p-1", agent.Who!.Reference);
        Assert.True(agent.Requestor);
        Assert.Equal("clinician", Assert.Single(Assert.Single(agent.Role).Coding).Code);
        Assert.Equal("Test Hospital", auditEvent.Source!.Observer!.Display);
        Assert.Equal(["Patient/p-1", "Observation/obs-1"], auditEvent.Entity.Select(e => e.What!.Reference));
        Assert.Null(auditEvent.Meta);
        var anchor = auditEvent.GetExtension(AuditEvents.AnchorExtensionUrl)!;
        Assert.Equal(record.Id.ToString("D"), anchor.GetExtensionValue<FhirString>("recordId")!.Value);
        Assert.Equal(Transaction.ToString(), anchor.GetExtensionValue<FhirString>("transactionId")!.Value);
        Assert.Equal(42m, anchor.GetExtensionValue<FhirDecimal>("leafIndex")!.Value);
        Assert.Equal(7m, anchor.GetExtensionValue<FhirDecimal>("batch")!.Value);
    }

    [Fact]
    public void A_denial_is_a_serious_failure_with_its_reasons()
    {
        var record = AuditRecords.Denied(AuditRecords.PatientB);

        var auditEvent = AuditEvents.ToFhir(new AuditEntry(record, 1, 0, Transaction, null), null);

        Assert.Equal(AuditEvent.AuditEventOutcome.N8, auditEvent.Outcome);
        Assert.Equal("no consent provision permits HRESCH", auditEvent.OutcomeDesc);
        Assert.Equal("search-type", Assert.Single(auditEvent.Subtype).Code);
        Assert.Equal(AuditEvents.SubjectSystem, Assert.Single(auditEvent.Agent).Who!.Identifier!.System);
        var entity = Assert.Single(auditEvent.Entity);
        Assert.Null(entity.What);
        Assert.Equal("search Observation", entity.Description);
        Assert.Null(auditEvent.GetExtension(AuditEvents.AnchorExtensionUrl)!.GetExtension("leafIndex"));
    }

    [Fact]
    public void A_partly_withheld_result_is_a_minor_failure()
    {
        var record = AuditRecords.Read(AuditRecords.PatientA) with { Action = AccessAction.Export, ResourceId = null, Disclosed = 4, Withheld = 2 };

        var auditEvent = AuditEvents.ToFhir(new AuditEntry(record, 1, 0, Transaction, 5), null);

        Assert.Equal(AuditEvent.AuditEventOutcome.N4, auditEvent.Outcome);
        Assert.Equal(AuditEvent.AuditEventAction.E, auditEvent.Action);
        Assert.Equal("110106", auditEvent.Type.Code);
        Assert.Contains("2 record(s) withheld by consent", auditEvent.OutcomeDesc, StringComparison.Ordinal);
        Assert.Equal(["4", "2"], Assert.Single(auditEvent.Entity).Detail.Select(d => ((FhirString)d.Value).Value));
    }

    [Fact]
    public void Break_glass_is_flagged_by_purpose_of_use_and_security_label()
    {
        var record = AuditRecords.BreakGlass(AuditRecords.PatientA) with { Purpose = "TREAT" };

        var auditEvent = AuditEvents.ToFhir(new AuditEntry(record, 1, 0, Transaction, 5), "Patient/p-1");

        Assert.Contains(Assert.Single(auditEvent.Agent).PurposeOfUse, c => c.Coding.Any(x => x is { System: AuditEvents.ActReasonSystem, Code: "ETREAT" }));
        Assert.Contains(auditEvent.Meta!.Security, c => c is { System: AuditEvents.ActReasonSystem, Code: "BTG" });
    }

    [Fact]
    public void A_rendered_event_is_valid_R4_and_round_trips_through_json()
    {
        var record = AuditRecords.BreakGlass(AuditRecords.PatientA);
        var auditEvent = AuditEvents.ToFhir(new AuditEntry(record, 3, 1, Transaction, 9), "Patient/p-1");

        var json = new FhirJsonSerializer().SerializeToString(auditEvent);
        var parsed = new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Strict)).Deserialize<AuditEvent>(json);

        Assert.True(parsed.IsExactly(auditEvent));
        var errors = R4Validator().Validate(parsed).Issue
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{i.Details?.Text} at {string.Join(",", i.Expression)}")
            .ToList();
        Assert.Empty(errors);
    }
}
