namespace CareLedger.Access.Notifications;

/// <summary>
/// A message to a patient or a staff role about an access to data (a break-glass opening, ...). <see cref="Text"/> is
/// built from ids, roles and times, never from names or clinical content.
/// </summary>
/// <param name="Kind">A machine name, e.g. <c>break-glass</c>.</param>
/// <param name="AuditId">The audit record of the access this notification is about.</param>
/// <param name="ReadAt">When the recipient marked it read; null while unread.</param>
public sealed record Notification(
    Guid Id,
    NotificationRecipient Recipient,
    string Kind,
    string Text,
    Guid AuditId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ReadAt);
