using CareLedger.Access.Store;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Notifications;

/// <summary>
/// The notifications of patients and staff roles, kept in access.db. The portal lists a recipient's notifications and
/// marks them read; the registries write them in the same SQLite transaction as the event they report.
/// </summary>
public sealed class NotificationBox
{
    public const int MaxKindLength = 64;
    public const int MaxTextLength = 1000;

    private readonly AccessStore store;
    private readonly TimeProvider time;

    public NotificationBox(AccessStore store, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        this.store = store;
        this.time = time ?? TimeProvider.System;
    }

    /// <param name="kind">A machine name (a-z, 0-9, '-', '.'), e.g. <c>break-glass</c>.</param>
    /// <param name="text">Built from ids, roles and times: never a name or clinical content.</param>
    public Notification Notify(NotificationRecipient to, string kind, string text, Guid auditId) =>
        store.Write((c, t) => Add(c, t, to, kind, text, auditId, time.GetUtcNow()));

    /// <summary>The recipient's notifications, newest first.</summary>
    public IReadOnlyList<Notification> For(NotificationRecipient recipient, bool unreadOnly = false)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return store.Read(c =>
        {
            using var command = Sql.Command(c, null, $"""
                    SELECT id, kind, text, audit_id, created_unix_ms, read_unix_ms FROM notifications
                    WHERE recipient = $recipient {(unreadOnly ? "AND read_unix_ms IS NULL" : "")}
                    ORDER BY created_unix_ms DESC, id DESC
                    """)
                .With("$recipient", recipient.Address);
            using var reader = command.ExecuteReader();
            var notifications = new List<Notification>();
            while (reader.Read())
            {
                notifications.Add(new Notification(
                    reader.GuidAt(0), recipient, reader.GetString(1), reader.GetString(2), reader.GuidAt(3), reader.TimeAt(4), reader.NullableTimeAt(5)));
            }

            return notifications;
        });
    }

    /// <summary>Marks a notification read; marking it again keeps the first time.</summary>
    /// <exception cref="KeyNotFoundException">no notification has this id.</exception>
    public void MarkRead(Guid id) => store.Write((c, t) =>
    {
        using var exists = Sql.Command(c, t, "SELECT read_unix_ms IS NULL FROM notifications WHERE id = $id").With("$id", id.Bytes());
        if (exists.ExecuteScalar() is not long unread)
        {
            throw new KeyNotFoundException($"no notification has id {id}");
        }

        if (unread == 1)
        {
            using var update = Sql.Command(c, t, "UPDATE notifications SET read_unix_ms = $now WHERE id = $id")
                .With("$now", Sql.UnixMs(time.GetUtcNow()))
                .With("$id", id.Bytes());
            update.ExecuteNonQuery();
        }
    });

    /// <summary>Adds a notification in the caller's transaction (so it commits or rolls back with the event it reports).</summary>
    internal static Notification Add(SqliteConnection connection, SqliteTransaction transaction, NotificationRecipient to, string kind, string text, Guid auditId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(to);
        ThrowIfBadKind(kind);
        ThrowIfBadText(text);
        var createdAt = DateTimeOffset.FromUnixTimeMilliseconds(Sql.UnixMs(now));
        var notification = new Notification(Guid.CreateVersion7(createdAt), to, kind, text, auditId, createdAt, null);
        using var command = Sql.Command(connection, transaction, """
                INSERT INTO notifications (id, recipient, kind, text, audit_id, created_unix_ms, read_unix_ms)
                VALUES ($id, $recipient, $kind, $text, $audit, $created, NULL)
                """)
            .With("$id", notification.Id.Bytes())
            .With("$recipient", to.Address)
            .With("$kind", kind)
            .With("$text", text)
            .With("$audit", auditId.Bytes())
            .With("$created", Sql.UnixMs(createdAt));
        command.ExecuteNonQuery();
        return notification;
    }

    private static void ThrowIfBadKind(string kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (kind.Length is 0 or > MaxKindLength || !char.IsAsciiLetterLower(kind[0])
            || !kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.'))
        {
            throw new ArgumentException($"notification kind '{kind}' must be 1 to {MaxKindLength} characters of a-z, 0-9, '-' and '.', starting with a letter", nameof(kind));
        }
    }

    private static void ThrowIfBadText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxTextLength)
        {
            throw new ArgumentException($"notification text must be 1 to {MaxTextLength} characters, not blank", nameof(text));
        }

        if (text.Any(char.IsControl))
        {
            throw new ArgumentException("notification text must not contain control characters", nameof(text));
        }
    }
}
