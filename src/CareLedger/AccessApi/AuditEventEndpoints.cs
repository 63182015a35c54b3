using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Fhir;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using CareLedger.Identity.Api;
using CareLedger.Node;
using Hl7.Fhir.Model;

namespace CareLedger.AccessApi;

/// <summary>
/// The access log (C7): "who saw my data, when, why" as FHIR <c>AuditEvent</c>s, newest first, each with the link to
/// its offline-verifiable receipt. The patient sees their own, a delegate the patient's they act for, the privacy
/// officer anyone's (and, without <c>patient</c>, everyone's). Reading the log is not itself audited: an audit record
/// of every read of the log would be a new entry of the log, so the patient's own view would grow with every look.
/// That is safe because the log holds no clinical content; what matters is that it never shows one patient's entries
/// to another.
/// </summary>
internal static class AuditEventEndpoints
{
    private const string What = "access log";

    /// <summary>The relation of a Bundle entry's link to the AuditEvent's receipt, and the url of the anchor's sub-extension holding it.</summary>
    public const string ReceiptRelation = "receipt";

    /// <summary>The identifier system of a patient named by the vault's pseudonym (32 lowercase hex).</summary>
    public const string PseudonymSystem = "urn:careledger:patient-pseudonym";

    private static readonly TimeSpan CheckpointWait = TimeSpan.FromSeconds(2);

    public static void Map(RouteGroupBuilder fhir, RouteGroupBuilder access)
    {
        fhir.MapGet("/AuditEvent", Search);
        fhir.MapGet("/AuditEvent/{id}", Read);
        access.MapGet("/audit/{id}/receipt", ReceiptAsync);

        // The log is written by the access layer alone; without these the generic FHIR routes would store client-made
        // AuditEvents in the vault beside it.
        fhir.MapPost("/AuditEvent", ReadOnly);
        fhir.MapPost("/AuditEvent/_search", ReadOnly);
        fhir.MapMethods("/AuditEvent/{id}", [HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch], ReadOnly);
    }

    private static IResult ReadOnly() =>
        throw FhirProblemException.MethodNotAllowed("the access log is read-only: AuditEvents are recorded by the access layer; search it with GET /fhir/AuditEvent");

    private static IResult Search(HttpContext context, CareLedgerNode node)
    {
        var search = AuditSearch.Parse(context.Request.Query);
        var viewed = PatientAuthority.Resolve(context.GetCaller(), node, search.Patient, PatientViewers.All, What);
        IReadOnlyList<AuditEntry> entries = viewed is { Pseudonym: null } ? [] : node.Audit.Query(search.ToQuery(viewed?.Pseudonym));
        var request = context.Request;
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Searchset,
            Timestamp = DateTimeOffset.UtcNow,
            Link = [new Bundle.LinkComponent { Relation = "self", Url = $"{FhirHttp.BaseUrl(request)}/AuditEvent{request.QueryString}" }],
        };
        foreach (var entry in entries)
        {
            var id = entry.Record.Id.ToString("D");
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{FhirHttp.BaseUrl(request)}/AuditEvent/{id}",
                Resource = ToFhir(entry, viewed, request),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
                Link = [new Bundle.LinkComponent { Relation = ReceiptRelation, Url = ReceiptUrl(request, entry.Record.Id) }],
            });
        }

        return FhirHttp.Resource(context, bundle);
    }

    private static IResult Read(HttpContext context, CareLedgerNode node, string id)
    {
        var (entry, viewed) = Visible(context, node, id);
        return FhirHttp.Resource(context, ToFhir(entry, viewed, context.Request));
    }

    /// <summary>
    /// The record's <c>careledger-audit-receipt/v1</c>, which <c>careledger audit verify</c> checks offline. A record
    /// whose batch is not yet anchored under a signed checkpoint (a fraction of a second after the access) waits briefly,
    /// then answers 503 with Retry-After.
    /// </summary>
    private static async Task<IResult> ReceiptAsync(HttpContext context, CareLedgerNode node, string id)
    {
        var (entry, _) = Visible(context, node, id);
        var receipt = node.Audit.GetReceipt(entry.Record.Id);
        if (receipt is null && entry.LeafIndex is { } leaf)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            wait.CancelAfter(CheckpointWait);
            try
            {
                await node.Ledger.WaitForCheckpointAsync(leaf, wait.Token);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                // No checkpoint within the wait: answered below as "not yet".
            }

            receipt = node.Audit.GetReceipt(entry.Record.Id);
        }

        if (receipt is null)
        {
            context.Response.Headers.RetryAfter = "1";
            throw new FhirProblemException(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient,
                $"audit record {entry.Record.Id} is not yet anchored on the ledger under a signed checkpoint; ask again in a moment");
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(AuditReceipts.ToJson(receipt), "application/json; charset=utf-8");
    }

    /// <summary>The entry, if the caller may see it; one 404 for "unknown" and "someone else's", so neither is revealed.</summary>
    private static (AuditEntry Entry, ViewedPatient? Viewed) Visible(HttpContext context, CareLedgerNode node, string idText)
    {
        var viewed = PatientAuthority.Resolve(context.GetCaller(), node,
            PatientAuthority.ParsePatient(context.Request.Query["patient"].FirstOrDefault(), "patient"), PatientViewers.All, What);
        var id = AccessProblems.ParseId(idText, "AuditEvent");
        var entry = node.Audit.Find(id);
        if (entry is null || (viewed is not null && !viewed.Owns(entry.Record.Patient)))
        {
            throw FhirProblemException.NotFound($"AuditEvent/{idText} is not in the access log you may see (unknown, or not yet written: entries appear within a second)");
        }

        return (entry, viewed);
    }

    /// <summary>
    /// The FHIR form, with the receipt's URL beside the anchor. In the privacy officer's overview the patient is named by
    /// the vault's pseudonym (as in notifications), never by a record id.
    /// </summary>
    private static AuditEvent ToFhir(AuditEntry entry, ViewedPatient? viewed, HttpRequest request)
    {
        var auditEvent = AuditEvents.ToFhir(entry, viewed?.Reference);
        if (viewed is null && entry.Record.Patient is { } pseudonym)
        {
            auditEvent.Entity.Insert(0, new AuditEvent.EntityComponent
            {
                What = new ResourceReference { Identifier = new Identifier(PseudonymSystem, Convert.ToHexStringLower(pseudonym)) },
                Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
                Role = new Coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
            });
        }

        auditEvent.Extension.First(e => e.Url == AuditEvents.AnchorExtensionUrl)
            .Extension.Add(new Extension(ReceiptRelation, new FhirUrl(ReceiptUrl(request, entry.Record.Id))));
        return auditEvent;
    }

    public static string ReceiptUrl(HttpRequest request, Guid auditId) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/access/audit/{auditId:D}/receipt";
}
