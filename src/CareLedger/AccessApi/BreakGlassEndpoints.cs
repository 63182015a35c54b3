using CareLedger.Access.BreakGlass;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Search;
using CareLedger.Identity.Api;
using CareLedger.Node;

namespace CareLedger.AccessApi;

/// <summary>
/// The privacy officer's review of emergency access (C5): every break-glass opening since a time, oldest first, with the
/// clinician, the patient's pseudonym, the reason given, the expiry and the ledger anchor.
/// </summary>
internal static class BreakGlassEndpoints
{
    public static void Map(RouteGroupBuilder access) => access.MapGet("/break-glass", List);

    private static IResult List(HttpContext context, CareLedgerNode node, string? since)
    {
        var caller = context.GetCaller();
        if (caller.Role != CareLedgerRole.PrivacyOfficer)
        {
            throw AccessProblems.Forbidden($"only a privacy officer reviews break-glass openings; the caller's role is {caller.Role.ToName()}");
        }

        DateTimeOffset? from = null;
        if (since is not null)
        {
            from = FhirDateRange.TryParse(since, out var range)
                ? new DateTimeOffset(range.Low, TimeSpan.Zero)
                : throw FhirProblemException.BadRequest($"since must be a FHIR date or instant such as 2026-11-01 or 2026-11-01T08:00:00Z, not '{since}'");
        }

        var now = TimeProvider.System.GetUtcNow();
        return Results.Json(new { breakGlass = node.BreakGlass.List(from).Select(g => Describe(g, node.BreakGlass, now)) });
    }

    private static object Describe(BreakGlassGrant grant, BreakGlassRegistry registry, DateTimeOffset now) => new
    {
        id = grant.Id,
        accessorSubject = grant.AccessorSubject,
        clinician = grant.AccessorReference,
        patientPseudonym = Convert.ToHexStringLower(grant.Patient),
        reason = grant.Reason,
        openedAt = grant.OpenedAt,
        expiresAt = grant.ExpiresAt,
        active = grant.OpenedAt <= now && now < grant.ExpiresAt,
        anchor = registry.AnchorOf(grant.Id) is { } anchor ? new { transaction = anchor.Transaction.ToString(), leafIndex = anchor.LeafIndex } : null,
    };
}
