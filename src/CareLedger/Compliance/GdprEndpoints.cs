using System.Text.Json;
using CareLedger.AccessApi;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Storage;
using CareLedger.Identity.Api;
using CareLedger.Node;
using Hl7.Fhir.Model;

namespace CareLedger.Compliance;

/// <summary>
/// GDPR rights over FHIR: <c>GET /fhir/Patient/{id}/$gdpr-export</c> (Art. 15 access and Art. 20 portability) and
/// <c>POST /fhir/Patient/{id}/$erase</c> (Art. 17 erasure, by crypto-shredding), for the patient themself and the
/// privacy officer. The export goes through the access layer like any disclosure: the patient receives their records;
/// a privacy officer, who has no access to records (ADR 0004), receives the access log, delegations and notifications
/// with every record withheld and counted.
/// </summary>
internal static class GdprEndpoints
{
    private const int MaxEraseBodyBytes = 1024;

    public static void Map(RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Patient/{id}/$gdpr-export", Export);
        fhir.MapPost("/Patient/{id}/$erase", EraseAsync);
    }

    private static IResult Export(HttpContext context, CareLedgerNode node, string id)
    {
        var caller = context.GetCaller();
        var patient = PatientAuthority.ResolveNamed(caller, node, RouteId(id), PatientViewers.PatientOrPrivacyOfficer, "data (GDPR export)");
        var fhirCaller = FhirHttp.Caller(context);
        if (caller.Role == CareLedgerRole.Patient && fhirCaller.Who.PatientId is null)
        {
            // A patient is the Patient their token names (fhirUser), with or without a launch context.
            fhirCaller = fhirCaller with { Who = fhirCaller.Who with { PatientId = patient.Id } };
        }

        context.Response.Headers.CacheControl = "no-store";
        return FhirHttp.Resource(context, GdprExport.Build(node, fhirCaller, patient, FhirHttp.BaseUrl(context.Request)));
    }

    /// <summary>
    /// Irreversible, so the body must say so: <c>{"confirm":"erase"}</c>. The tombstone is on the ledger before the vault
    /// destroys anything (<see cref="CareLedgerNode.ErasePatientAsync"/>); the answer names what was destroyed and the tombstone.
    /// </summary>
    private static async Task<IResult> EraseAsync(HttpContext context, CareLedgerNode node, string id, CancellationToken ct)
    {
        var patient = PatientAuthority.ResolveNamed(context.GetCaller(), node, RouteId(id), PatientViewers.PatientOrPrivacyOfficer, "data (GDPR erasure)");
        RequireConfirmation(await FhirHttp.ReadBodyAsync(context.Request, MaxEraseBodyBytes, ct));
        PatientErasure erasure;
        try
        {
            // Not cancellable: once the tombstone is submitted the erasure must be finished.
            erasure = await node.ErasePatientAsync(patient.Id, CancellationToken.None);
        }
        catch (KeyNotFoundException)
        {
            throw AccessProblems.NoRecordsOf(patient.Id);
        }

        var outcome = new OperationOutcome
        {
            Issue =
            [
                Information($"{patient.Reference} erased (GDPR Art. 17): {erasure.ResourcesDestroyed} resources ({erasure.VersionsDestroyed} versions) crypto-shredded — their data key, salts, ciphertexts, search index and the pseudonym mapping are destroyed"),
                Information($"tombstone: ledger transaction {erasure.Tombstone} at leaf {erasure.LeafIndex}; the ledger keeps verifying, and what it holds of the patient (a random pseudonym, salted commitments) can no longer be linked or opened"),
                Information("the access log, delegations and notifications name the patient only by that pseudonym, which nothing here links to them any more"),
            ],
        };
        return FhirHttp.Resource(context, outcome);
    }

    private static string RouteId(string id) =>
        ResourceRepository.IsValidId(id) ? id : throw FhirProblemException.BadRequest($"'{id}' is not a FHIR id (1-64 of A-Z a-z 0-9 - .)");

    private static void RequireConfirmation(byte[] body)
    {
        const string expected = "erasure cannot be undone: confirm it with the body {\"confirm\":\"erase\"}";
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.EnumerateObject().Count() == 1
                && root.TryGetProperty("confirm", out var confirm)
                && confirm.ValueKind == JsonValueKind.String
                && confirm.GetString() == "erase")
            {
                return;
            }
        }
        catch (JsonException e)
        {
            throw FhirProblemException.BadRequest($"the body is not JSON ({e.Message}); {expected}");
        }

        throw FhirProblemException.BadRequest(expected);
    }

    private static OperationOutcome.IssueComponent Information(string text) =>
        new() { Severity = OperationOutcome.IssueSeverity.Information, Code = OperationOutcome.IssueType.Informational, Diagnostics = text };
}
