using System.Text;
using CareLedger.AccessApi;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Compliance;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Validation;
using CareLedger.Node;

namespace CareLedger.Portal;

/// <summary>
/// The files the portal hands out, for the person its session names (pages cannot answer with a file): a patient's
/// GDPR export, the receipt of one entry of their access log, and a patient's accounting of disclosures as CSV. The
/// export goes through the access layer like any disclosure; a receipt and an accounting hold no clinical content.
/// </summary>
internal static class PortalDownloads
{
    public const string MyDataPath = "/portal/download/my-data";
    public const string ReceiptPath = "/portal/download/receipt";
    public const string AccountingPath = "/portal/download/accounting";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(MyDataPath, MyData);
        endpoints.MapGet(ReceiptPath + "/{id}", Receipt);
        endpoints.MapGet(AccountingPath, Accounting);
    }

    /// <summary>GDPR Art. 15/20: everything this node holds about the signed-in patient, as one FHIR Bundle (JSON).</summary>
    private static IResult MyData(HttpContext context, CareLedgerNode node)
    {
        if (PortalUser.From(context.User) is not { OwnPatientId: { } patientId } user)
        {
            return Refused("Only a patient downloads their own data here.");
        }

        var pseudonym = node.Gate.PseudonymOf(patientId);
        if (pseudonym is null)
        {
            return Refused("This node holds no records of you.", StatusCodes.Status404NotFound);
        }

        var caller = user.FhirCaller(context.TraceIdentifier);
        caller = caller with { Who = caller.Who with { PatientId = patientId } };
        var bundle = GdprExport.Build(node, caller, new ViewedPatient(patientId, pseudonym), FhirBaseUrl(context));
        return Attachment(context, FhirSerialization.ToJson(bundle, pretty: true), "application/fhir+json", "careledger-my-data.json");
    }

    /// <summary>The offline-verifiable receipt of one entry of the signed-in patient's access log.</summary>
    private static IResult Receipt(HttpContext context, CareLedgerNode node, string id)
    {
        if (PortalUser.From(context.User) is not { OwnPatientId: { } patientId })
        {
            return Refused("Only a patient downloads the receipts of their own access log here.");
        }

        var pseudonym = node.Gate.PseudonymOf(patientId);
        if (!Guid.TryParseExact(id, "D", out var auditId) || pseudonym is null
            || node.Audit.Find(auditId) is not { } entry || entry.Record.Patient is not { } owner || !owner.AsSpan().SequenceEqual(pseudonym))
        {
            return Refused("That entry is not in your access log.", StatusCodes.Status404NotFound);
        }

        return node.Audit.GetReceipt(auditId) is { } receipt
            ? Attachment(context, AuditReceipts.ToJson(receipt), "application/json", $"access-receipt-{auditId:D}.json")
            : Refused("This access is not yet anchored under a signed checkpoint. Try again in a moment.", StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The HIPAA accounting of disclosures of the last six years as CSV: the privacy officer's, of any patient.</summary>
    private static IResult Accounting(HttpContext context, CareLedgerNode node, string? patient)
    {
        if (PortalUser.From(context.User) is not { Role: CareLedgerRole.PrivacyOfficer })
        {
            return Refused("Only a privacy officer downloads an accounting of disclosures here.");
        }

        if (patient is null || !Fhir.Storage.ResourceRepository.IsValidId(patient) || node.Gate.PseudonymOf(patient) is not { } pseudonym)
        {
            return Refused("This node holds no records of that patient.", StatusCodes.Status404NotFound);
        }

        var disclosures = DisclosureAccounting.For(node.Audit, pseudonym, TimeProvider.System.GetUtcNow());
        return Attachment(context, DisclosureCsv.Write(disclosures), DisclosureCsv.MediaType, $"accounting-of-disclosures-{patient}.csv");
    }

    private static string FhirBaseUrl(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/fhir";

    private static IResult Attachment(HttpContext context, string text, string mediaType, string fileName)
    {
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        return Results.Text(text, mediaType + "; charset=utf-8", Encoding.UTF8);
    }

    private static IResult Refused(string why, int status = StatusCodes.Status403Forbidden) =>
        Results.Text(why, "text/plain; charset=utf-8", Encoding.UTF8, status);
}
