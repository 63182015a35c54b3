using CareLedger.Access.Gate;
using CareLedger.Identity.Api;

namespace CareLedger.AccessApi;

/// <summary>
/// Puts the refusals the door did not decide into its audit trail: a 401 for a missing, forged, expired or misaddressed
/// token, and a 403 from an endpoint beside the record store (access log, delegations, reports, credentials) or from a
/// scope check in front of one. The door records its own refusals; together, every refusal of the node is audited.
/// The record names the caller (or "unauthenticated"), the route template (never a value from the request), the reason,
/// and the patient by pseudonym when the request named one that has records here.
/// </summary>
internal static class RefusalAudit
{
    /// <summary>Notes that the request's caller went to the door, which records every decision it makes for it.</summary>
    /// <remarks>
    /// A request feature, not an entry in <c>HttpContext.Items</c>: on every FHIR read, Items would be a dictionary and a
    /// boxed flag made for this note alone. Request features end with their request, as Items do.
    /// </remarks>
    public static void NoteDoorConsulted(HttpContext context) => context.Features.Set(DoorConsulted.Note);

    /// <summary>Whether <see cref="NoteDoorConsulted"/> was called for this request (not an earlier one on the same connection).</summary>
    public static bool DoorWasConsulted(HttpContext context) => context.Features.Get<DoorConsulted>() is not null;

    /// <summary>Records the refusal if the host has an access layer (the node always has; a bare identity host has none).</summary>
    public static void Record(HttpContext context, int status, string reason)
    {
        if (context.RequestServices.GetService<AccessGate>() is not { } gate)
        {
            return;
        }

        if (status == StatusCodes.Status403Forbidden && DoorWasConsulted(context))
        {
            // A 403 that follows what the door withheld in this request (an inference or a provenance with no disclosed
            // record) is the door's decision, already recorded under this request's id: not a second refusal.
            return;
        }

        var who = context.Features.Get<CallerContext>()?.ToAccessor() ?? Accessor.Anonymous;
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "/";
        try
        {
            gate.RecordRefusal(who, context.TraceIdentifier, ActionOf(context.Request.Method), ResourceTypeOf(context), PatientOf(context),
                $"{(status == StatusCodes.Status401Unauthorized ? "not authenticated" : "refused")}: {reason}",
                $"{context.Request.Method} {route}");
        }
        catch (InvalidOperationException e)
        {
            // The request is refused either way; the operator must hear that the trail failed.
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("CareLedger.Audit")
                .LogError("the audit trail did not record a refusal ({Status}): {Problem}", status, e.InnerException?.GetType().Name ?? e.GetType().Name);
        }
    }

    private static AccessAction ActionOf(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? AccessAction.Read
        : HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) ? AccessAction.Update
        : HttpMethods.IsDelete(method) ? AccessAction.Delete
        : AccessAction.Create;

    /// <summary>The FHIR type a route names (<c>/fhir/{type}/...</c>), if it is a plain type name.</summary>
    private static string? ResourceTypeOf(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("type", out var value) && value is string type && IsTypeName(type) ? type
        : context.Request.Path.StartsWithSegments("/fhir/AuditEvent", StringComparison.Ordinal) ? "AuditEvent"
        : context.Request.Path.StartsWithSegments("/fhir/Patient", StringComparison.Ordinal) ? "Patient"
        : null;

    /// <summary>The patient named by <c>?patient=</c> or by a <c>/fhir/Patient/{id}</c> route, when it is a plain id.</summary>
    private static string? PatientOf(HttpContext context)
    {
        string? named = context.Request.Query["patient"].FirstOrDefault();
        if (named is null && context.Request.Path.StartsWithSegments("/fhir/Patient", StringComparison.Ordinal)
            && context.Request.RouteValues.TryGetValue("id", out var id))
        {
            named = id as string;
        }

        if (named is null)
        {
            return null;
        }

        var plain = named.StartsWith("Patient/", StringComparison.Ordinal) ? named["Patient/".Length..] : named;
        return Fhir.Storage.ResourceRepository.IsValidId(plain) ? plain : null;
    }

    private static bool IsTypeName(string text) =>
        text.Length is > 0 and <= 64 && char.IsAsciiLetterUpper(text[0]) && text.All(char.IsAsciiLetter);

    /// <summary>Set on a request whose caller was handed to the door (<c>FhirHttp.Caller</c>).</summary>
    private sealed class DoorConsulted
    {
        public static readonly DoorConsulted Note = new();
    }
}
