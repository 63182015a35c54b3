using CareLedger.Access.Notifications;
using CareLedger.Fhir.Errors;
using CareLedger.Identity.Api;
using CareLedger.Node;

namespace CareLedger.AccessApi;

/// <summary>
/// Notifications (a break-glass opening, ...): a patient reads their own (addressed by the vault's pseudonym), and so
/// does a guardian or caregiver while a delegation is in force; the privacy officer reads the privacy officer's box.
/// </summary>
internal static class NotificationEndpoints
{
    private const string What = "notifications";

    public static void Map(RouteGroupBuilder access)
    {
        access.MapGet("/notifications", List);
        access.MapPost("/notifications/{id}/$read", MarkRead);
    }

    private static IResult List(HttpContext context, CareLedgerNode node, string? unread)
    {
        var unreadOnly = unread switch
        {
            null or "false" => false,
            "true" => true,
            _ => throw FhirProblemException.BadRequest($"unread must be true or false, not '{unread}'"),
        };
        var box = BoxOf(context, node);
        IReadOnlyList<Notification> notifications = box is null ? [] : node.Notifications.For(box, unreadOnly);
        return Results.Json(new { notifications = notifications.Select(Describe) });
    }

    /// <summary>Marks one notification of the caller's box read (again: keeps the first time); 404 for any other.</summary>
    private static IResult MarkRead(HttpContext context, CareLedgerNode node, string id)
    {
        var notificationId = AccessProblems.ParseId(id, "notification");
        var box = BoxOf(context, node);
        if (box is null || !node.Notifications.For(box).Any(n => n.Id == notificationId))
        {
            throw FhirProblemException.NotFound($"notification {id} is not among your notifications");
        }

        node.Notifications.MarkRead(notificationId);
        return Results.Json(Describe(node.Notifications.For(box).Single(n => n.Id == notificationId)));
    }

    /// <summary>The caller's box; null for a patient with no records here (nothing can have happened to them yet).</summary>
    private static NotificationRecipient? BoxOf(HttpContext context, CareLedgerNode node)
    {
        var caller = context.GetCaller();
        var patient = PatientAuthority.Resolve(caller, node, null, PatientViewers.All, What);
        if (patient is not null)
        {
            return patient.Pseudonym is { } pseudonym ? NotificationRecipient.Patient(pseudonym) : null;
        }

        // Resolve answers null only for the privacy officer, who names no patient here.
        return NotificationRecipient.PrivacyOfficer;
    }

    public static object Describe(Notification notification) => new
    {
        id = notification.Id,
        kind = notification.Kind,
        text = notification.Text,
        auditId = notification.AuditId,
        createdAt = notification.CreatedAt,
        readAt = notification.ReadAt,
    };
}
