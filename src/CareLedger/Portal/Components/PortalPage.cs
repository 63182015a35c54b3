using CareLedger.Fhir;
using CareLedger.Fhir.Errors;
using CareLedger.Node;
using Microsoft.AspNetCore.Components;

namespace CareLedger.Portal.Components;

/// <summary>
/// A portal page: rendered on the server for one request, as the person the portal session names. Everything it
/// shows comes through the access layer (FHIR service, audit trail, credential registry), never from the vault.
/// </summary>
public abstract class PortalPage : ComponentBase
{
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    [Inject]
    private protected CareLedgerNode Node { get; set; } = null!;

    private protected PortalUser? User => HttpContext is null ? null : PortalUser.From(HttpContext.User);

    private protected FhirCaller Caller =>
        (User ?? throw new InvalidOperationException("the page needs a signed-in person")).FhirCaller(HttpContext!.TraceIdentifier);

    /// <summary>
    /// The patient the signed-in person sees records of: themself for a patient, the person they act for for a guardian or
    /// caregiver (the door then checks the delegation on every read); null for everyone else.
    /// </summary>
    private protected string? PatientInCare => User switch
    {
        { Role: CareLedgerRole.Patient } user => user.OwnPatientId,
        { Role: CareLedgerRole.Guardian or CareLedgerRole.Caregiver } user => user.PatientId,
        _ => null,
    };

    /// <summary>The node's base URL as the browser sees it (for the links in FHIR bundles).</summary>
    private protected string BaseUrl => HttpContext is { } c ? $"{c.Request.Scheme}://{c.Request.Host}{c.Request.PathBase}/fhir" : "/fhir";

    /// <summary>Null when the signed-in person has one of <paramref name="roles"/>; otherwise why not, in plain words.</summary>
    private protected string? Refusal(string what, params CareLedgerRole[] roles)
    {
        if (User is not { } user)
        {
            return "Please sign in to use this page.";
        }

        return roles.Contains(user.Role)
            ? null
            : $"This page is for {string.Join(" or ", roles.Select(r => Describe.Role(r) + "s"))} ({what}). You are signed in as a {Describe.Role(user.Role)}.";
    }

    /// <summary>A refusal or error of the FHIR layer in plain words (the access layer's reasons are already plain).</summary>
    private protected static string Plain(FhirProblemException e) => e.Status switch
    {
        StatusCodes.Status403Forbidden => $"Access refused: {e.Message}",
        StatusCodes.Status404NotFound => $"Not found: {e.Message}",
        StatusCodes.Status410Gone => $"No longer available: {e.Message}",
        _ => e.Message,
    };
}
