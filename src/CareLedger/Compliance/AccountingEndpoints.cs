using CareLedger.AccessApi;
using CareLedger.Identity.Api;
using CareLedger.Node;

namespace CareLedger.Compliance;

/// <summary>
/// <c>GET /compliance/accounting?patient=&lt;id&gt;</c>: the HIPAA accounting of disclosures of the last six years, as
/// JSON, or as CSV with <c>Accept: text/csv</c>. For the patient (their own) and the privacy officer.
/// </summary>
internal static class AccountingEndpoints
{
    public static void Map(RouteGroupBuilder compliance) => compliance.MapGet("/accounting", Accounting);

    private static IResult Accounting(HttpContext context, CareLedgerNode node, string? patient)
    {
        var viewed = PatientAuthority.ResolveNamed(context.GetCaller(), node, PatientAuthority.ParsePatient(patient, "patient"),
            PatientViewers.PatientOrPrivacyOfficer, "accounting of disclosures");
        var now = TimeProvider.System.GetUtcNow();
        var disclosures = DisclosureAccounting.For(node.Audit, viewed.RequirePseudonym(), now);
        context.Response.Headers.CacheControl = "no-store";
        if (context.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(DisclosureCsv.MediaType, StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.Headers.ContentDisposition = "attachment; filename=\"accounting-of-disclosures.csv\"";
            return Results.Text(DisclosureCsv.Write(disclosures), DisclosureCsv.MediaType + "; charset=utf-8");
        }

        return Results.Json(new
        {
            patient = viewed.Id,
            from = DisclosureAccounting.PeriodStart(now),
            to = now,
            generatedAt = now,
            disclosures = disclosures.Select(d => new
            {
                date = d.Date,
                recipient = d.Recipient,
                recipientRole = d.RecipientRole,
                recipientOrganisation = d.RecipientOrganisation,
                purpose = d.Purpose,
                description = d.Description,
                auditId = d.AuditId,
                breakGlass = d.BreakGlass,
            }),
        });
    }
}
