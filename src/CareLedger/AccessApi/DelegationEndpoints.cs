using CareLedger.Access.Delegation;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using CareLedger.Identity.Api;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;

namespace CareLedger.AccessApi;

/// <summary>
/// Delegations (C6). A patient grants and revokes their own, signed with their custodial key (so the ledger shows the
/// patient decided); a privacy officer records and revokes court-ordered ones, signed with the node key. Revocation is
/// forward-only: the delegation stays listed with when it ended. The gate enforces a delegation's scope on every
/// request of the delegate; these endpoints only change and show them.
/// </summary>
internal static class DelegationEndpoints
{
    private const string What = "delegations";

    public static void Map(RouteGroupBuilder access)
    {
        access.MapPost("/delegations", GrantAsync);
        access.MapGet("/delegations", List);
        access.MapGet("/delegations/{id}", Read);
        access.MapPost("/delegations/{id}/$revoke", RevokeAsync);
    }

    private static async Task<IResult> GrantAsync(HttpContext context, CareLedgerNode node, CancellationToken ct)
    {
        var caller = context.GetCaller();
        if (caller.Role is not (CareLedgerRole.Patient or CareLedgerRole.PrivacyOfficer))
        {
            throw AccessProblems.Forbidden($"a caller with role {caller.Role.ToName()} may not grant delegations; the patient grants theirs, a privacy officer records court orders");
        }

        var body = await FhirHttp.ReadBodyAsync(context.Request, DelegationRequest.MaxBodyBytes, ct);
        var request = DelegationRequest.Parse(body, TimeProvider.System.GetUtcNow());
        var expected = caller.Role == CareLedgerRole.Patient ? DelegationSource.Patient : DelegationSource.CourtOrder;
        if (request.Source != expected)
        {
            throw AccessProblems.Forbidden(caller.Role == CareLedgerRole.Patient
                ? "a court-ordered delegation is recorded by the privacy officer, not by the patient"
                : "a privacy officer records only court-ordered delegations (\"source\":\"court-order\"); the patient grants their own");
        }

        var patient = PatientAuthority.ResolveNamed(caller, node, request.Patient, PatientViewers.PatientOrPrivacyOfficer, What);
        var pseudonym = patient.RequirePseudonym();
        // Not cancellable: once the anchor is submitted the grant may become durable, and then it must be recorded.
        var signer = request.Source == DelegationSource.Patient
            ? await node.People.GetOrRegisterAsync(caller.Subject, KeyRoles.Patient, pseudonym, node.Ledger, CancellationToken.None)
            : node.Ledger.Keys.Node;
        var grant = await Change(() => node.Delegations.GrantAsync(pseudonym, request.Delegate, request.Kind, request.Scope, request.Source, signer, CancellationToken.None));
        context.Response.Headers.Location = $"{context.Request.PathBase}/access/delegations/{grant.Id:D}";
        return Results.Json(DelegationJson.Describe(grant, patient.Id, node.Delegations.AnchorsOf(grant.Id)), statusCode: StatusCodes.Status201Created);
    }

    private static IResult List(HttpContext context, CareLedgerNode node, string? patient)
    {
        var viewed = PatientAuthority.ResolveNamed(context.GetCaller(), node, PatientAuthority.ParsePatient(patient, "patient"), PatientViewers.PatientOrPrivacyOfficer, What);
        IReadOnlyList<DelegationGrant> grants = viewed.Pseudonym is { } pseudonym ? node.Delegations.ForPatient(pseudonym) : [];
        return Results.Json(new { delegations = grants.Select(g => DelegationJson.Describe(g, viewed.Id, node.Delegations.AnchorsOf(g.Id))) });
    }

    private static IResult Read(HttpContext context, CareLedgerNode node, string id)
    {
        var (grant, patientId) = Visible(context, node, id);
        return Results.Json(DelegationJson.Describe(grant, patientId, node.Delegations.AnchorsOf(grant.Id)));
    }

    /// <summary>The patient revokes what they granted; the privacy officer what a court ordered. Forward-only.</summary>
    private static async Task<IResult> RevokeAsync(HttpContext context, CareLedgerNode node, string id)
    {
        var caller = context.GetCaller();
        var (grant, patientId) = Visible(context, node, id);
        if (grant.RevokedAt is { } revokedAt)
        {
            throw FhirProblemException.Conflict($"delegation {grant.Id} was already revoked at {revokedAt:O}; revocation is forward-only and final");
        }

        AuthorKey signer;
        if (caller.Role == CareLedgerRole.Patient)
        {
            signer = grant.Source == DelegationSource.Patient
                ? await node.People.GetOrRegisterAsync(caller.Subject, KeyRoles.Patient, grant.Patient, node.Ledger, CancellationToken.None)
                : throw AccessProblems.Forbidden("a court-ordered delegation is revoked by the privacy officer, not by the patient");
        }
        else
        {
            signer = grant.Source == DelegationSource.CourtOrder
                ? node.Ledger.Keys.Node
                : throw AccessProblems.Forbidden("only the patient revokes a delegation they granted; a privacy officer revokes court-ordered ones");
        }

        var revoked = await Change(() => node.Delegations.RevokeAsync(grant.Id, signer, CancellationToken.None));
        return Results.Json(DelegationJson.Describe(revoked, patientId, node.Delegations.AnchorsOf(revoked.Id)));
    }

    /// <summary>
    /// A delegation the caller may see: one of the patient's own, or any for the privacy officer; 404 for the rest. The
    /// patient's id is known only when the patient asks (the vault maps ids to pseudonyms, not back).
    /// </summary>
    private static (DelegationGrant Grant, string? PatientId) Visible(HttpContext context, CareLedgerNode node, string idText)
    {
        var caller = context.GetCaller();
        var viewed = PatientAuthority.Resolve(caller, node, null, PatientViewers.PatientOrPrivacyOfficer, What);
        var grant = node.Delegations.Get(AccessProblems.ParseId(idText, "delegation"));
        if (grant is null || (viewed is not null && !viewed.Owns(grant.Patient)))
        {
            throw FhirProblemException.NotFound($"no delegation you may see has id {idText}");
        }

        return (grant, viewed?.Id);
    }

    /// <summary>The registry's refusals as HTTP answers; nothing was recorded or anchored when they come.</summary>
    private static async Task<DelegationGrant> Change(Func<Task<DelegationGrant>> change)
    {
        try
        {
            return await change();
        }
        catch (ArgumentException e)
        {
            throw FhirProblemException.BadRequest(e.Message);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            throw FhirProblemException.Conflict(e.Message);
        }
        catch (TransactionRejectedException e)
        {
            throw FhirProblemException.Unprocessable($"the ledger refused the delegation's anchor ({e.Code}); nothing was recorded");
        }
    }
}
