using CareLedger.Compliance;
using CareLedger.Identity.Api;

namespace CareLedger.AccessApi;

/// <summary>
/// The HTTP surface of what patients and privacy officers see and do about access (C4–C7, C9): the access log as FHIR
/// <c>AuditEvent</c>s with their receipts, notifications, delegations, the break-glass review, and the compliance
/// reports (accounting of disclosures, GDPR export and erasure). Needs the <see cref="Node.CareLedgerNode"/> as a
/// singleton and the identity feature (bearer tokens).
/// </summary>
internal static class AccessEndpoints
{
    /// <summary>
    /// Maps <c>/fhir/AuditEvent</c>, <c>/fhir/Patient/{id}/$gdpr-export</c> and <c>/fhir/Patient/{id}/$erase</c>, and
    /// everything under <c>/access</c> and <c>/compliance</c>; every route needs a caller, and every error is an
    /// OperationOutcome with its HTTP status. Map it before the generic FHIR routes.
    /// </summary>
    public static IEndpointRouteBuilder MapCareLedgerAccess(this IEndpointRouteBuilder app)
    {
        var fhir = Guarded(app, "/fhir");
        var access = Guarded(app, "/access");
        var compliance = Guarded(app, "/compliance");
        AuditEventEndpoints.Map(fhir, access);
        NotificationEndpoints.Map(access);
        DelegationEndpoints.Map(access);
        BreakGlassEndpoints.Map(access);
        AccountingEndpoints.Map(compliance);
        GdprEndpoints.Map(fhir);
        return app;
    }

    /// <summary>As /fhir is guarded: errors become OperationOutcomes outside, the caller is required inside.</summary>
    private static RouteGroupBuilder Guarded(IEndpointRouteBuilder app, string prefix)
    {
        var group = app.MapGroup(prefix);
        group.AddEndpointFilter(new AccessProblemFilter());
        return group.MapGroup(string.Empty).RequireCaller();
    }
}
