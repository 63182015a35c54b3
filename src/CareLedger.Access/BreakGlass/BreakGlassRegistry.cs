using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Access.Notifications;
using CareLedger.Access.Store;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.BreakGlass;

/// <summary>
/// The break-glass openings of a node, in access.db. Each opening is recorded with the notifications to the patient (by
/// pseudonym) and to the privacy officer in one SQLite transaction, then anchored on the ledger (<c>Anchor</c> kind
/// "break-glass", digest = salted commitment of <see cref="BreakGlassRecordFormat"/>), signed by the declaring
/// clinician's own practitioner key when the node gives the registry a way to find it (so the ledger shows who broke the
/// glass, by key), else by the node key.
/// The reason is free text typed by a clinician and may hold clinical content: it is stored only AES-256-GCM-sealed
/// under DATA/keys/access.key (with the commitment's salt), never as plaintext in access.db, and never in a notification.
/// </summary>
public sealed class BreakGlassRegistry : IBreakGlassGrants
{
    public const string AnchorKind = "break-glass";
    public const string NotificationKind = "break-glass";
    public const int MaxReasonLength = 2000;

    private const string Columns = "id, accessor_subject, accessor_reference, patient, opened_unix_ms, expires_unix_ms, sealed_reason";

    private readonly AccessStore store;
    private readonly LedgerEngine ledger;
    private readonly TimeProvider time;
    private readonly Func<Accessor, AuthorKey>? signerFor;
    private readonly Lock openLock = new();

    /// <param name="time">Stamps the anchor transactions; openings carry the caller's <c>now</c>.</param>
    /// <param name="signerFor">
    /// The clinician's own registered key (e.g. <c>PersonKeys.GetOrRegisterOwnAsync</c>), which signs the opening's anchor;
    /// it throws when the clinician's key is revoked, and then nothing is opened. Null: the node key signs.
    /// </param>
    public BreakGlassRegistry(AccessStore store, LedgerEngine ledger, TimeProvider? time = null, Func<Accessor, AuthorKey>? signerFor = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        this.store = store;
        this.ledger = ledger;
        this.time = time ?? TimeProvider.System;
        this.signerFor = signerFor;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Times are kept to the millisecond. The opening is durable before it is anchored; if the ledger is stopped the
    /// exception propagates and <see cref="AccessStore.AnchorPendingAsync"/> anchors it later. If the ledger refuses the
    /// anchor, the opening and its notifications are removed and the refusal propagates.
    /// </remarks>
    public BreakGlassGrant Open(Accessor who, byte[] patient, BreakGlassRequest request, Guid auditId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(who);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(who.Subject, nameof(who));
        if (who.Role != CareLedgerRole.Clinician)
        {
            throw new ArgumentException($"only a clinician opens break-glass access, not a caller with role '{who.Role.ToName()}'", nameof(who));
        }

        Pseudonym.ThrowIfInvalid(patient, nameof(patient));
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > MaxReasonLength)
        {
            throw new ArgumentException($"a break-glass reason must be 1 to {MaxReasonLength} characters, not blank", nameof(request));
        }

        var openedAt = ToMilliseconds(now);
        var expiresAt = ToMilliseconds(request.ExpiresAt);
        if (expiresAt <= openedAt)
        {
            throw new ArgumentException($"a break-glass expiry ({request.ExpiresAt:O}) must be after the opening ({now:O})", nameof(request));
        }

        lock (openLock)
        {
            if (Active(who.Subject, patient, now) is { } active)
            {
                return active;
            }

            var signer = signerFor?.Invoke(who) ?? ledger.Keys.Node;
            var grant = new BreakGlassGrant(Guid.CreateVersion7(openedAt), who.Subject, who.Reference, patient.ToArray(), request.Reason, openedAt, expiresAt);
            var salt = SaltedCommitment.NewSalt();
            var anchor = AccessStore.SignAnchor(
                AnchorKind, SaltedCommitment.Compute(salt, BreakGlassRecordFormat.Encode(grant, auditId)), grant.Id, signer, time);
            var notifications = store.Write((c, t) =>
            {
                Insert(c, t, grant, auditId, salt);
                AccessStore.AddPendingAnchor(c, t, grant.Id, AnchorKind, anchor);
                return new[]
                {
                    NotificationBox.Add(c, t, NotificationRecipient.Patient(patient), NotificationKind, PatientText(grant, auditId), auditId, openedAt),
                    NotificationBox.Add(c, t, NotificationRecipient.PrivacyOfficer, NotificationKind, PrivacyOfficerText(grant, auditId), auditId, openedAt),
                };
            });
            try
            {
                // The door's decision is synchronous; the wait is one group-commit fsync of the ledger's own thread. Started
                // on the thread pool so that no caller's synchronization context (a Blazor page's renderer) is captured
                // by the submission's continuations: waiting on them from that context would deadlock.
                Task.Run(() => store.SubmitAnchorAsync(ledger, anchor, CancellationToken.None)).GetAwaiter().GetResult();
            }
            catch (TransactionRejectedException)
            {
                store.Write((c, t) =>
                {
                    using (var delete = Sql.Command(c, t, "DELETE FROM break_glass WHERE id = $id").With("$id", grant.Id.Bytes()))
                    {
                        delete.ExecuteNonQuery();
                    }

                    foreach (var notification in notifications)
                    {
                        using var deleteNotification = Sql.Command(c, t, "DELETE FROM notifications WHERE id = $id").With("$id", notification.Id.Bytes());
                        deleteNotification.ExecuteNonQuery();
                    }

                    AccessStore.RemoveAnchor(c, t, anchor.Transaction.Id);
                });
                throw;
            }

            return grant;
        }
    }

    /// <summary>The grant of this accessor on this patient that is in force at <paramref name="now"/>, or null.</summary>
    public BreakGlassGrant? Active(string accessorSubject, byte[] patient, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(accessorSubject);
        Pseudonym.ThrowIfInvalid(patient, nameof(patient));
        var nowMs = now.ToUnixTimeMilliseconds();
        return Query($"""
                SELECT {Columns} FROM break_glass
                WHERE accessor_subject = $subject AND patient = $patient AND opened_unix_ms <= $now AND expires_unix_ms > $now
                ORDER BY opened_unix_ms DESC, id DESC LIMIT 1
                """,
                command => command.With("$subject", accessorSubject).With("$patient", patient).With("$now", nowMs))
            .SingleOrDefault();
    }

    /// <summary>Every opening since <paramref name="since"/> (inclusive; all when null), oldest first: the privacy officer's review.</summary>
    public IReadOnlyList<BreakGlassGrant> List(DateTimeOffset? since) =>
        Query($"SELECT {Columns} FROM break_glass WHERE opened_unix_ms >= $since ORDER BY opened_unix_ms, id",
            command => command.With("$since", since?.ToUnixTimeMilliseconds() ?? long.MinValue));

    /// <summary>Every opening on this patient's record, oldest first.</summary>
    public IReadOnlyList<BreakGlassGrant> ForPatient(byte[] patient)
    {
        Pseudonym.ThrowIfInvalid(patient, nameof(patient));
        return Query($"SELECT {Columns} FROM break_glass WHERE patient = $patient ORDER BY opened_unix_ms, id",
            command => command.With("$patient", patient));
    }

    /// <summary>The ledger anchor of an opening, or null for an unknown id.</summary>
    public LedgerAnchor? AnchorOf(Guid id) => store.AnchorsOf(id).SingleOrDefault();

    /// <summary>The commitment anchored for an opening, recomputed from what access.db holds (null for an unknown id).</summary>
    internal byte[]? RecomputeCommitment(Guid id) => store.Read(c =>
    {
        using var command = Sql.Command(c, null, $"SELECT {Columns}, audit_id FROM break_glass WHERE id = $id").With("$id", id.Bytes());
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var (grant, salt) = ReadGrant(reader);
        return SaltedCommitment.Compute(salt, BreakGlassRecordFormat.Encode(grant, reader.GuidAt(7)));
    });

    private List<BreakGlassGrant> Query(string sql, Action<SqliteCommand> bind) => store.Read(c =>
    {
        using var command = Sql.Command(c, null, sql);
        bind(command);
        using var reader = command.ExecuteReader();
        var grants = new List<BreakGlassGrant>();
        while (reader.Read())
        {
            grants.Add(ReadGrant(reader).Grant);
        }

        return grants;
    });

    private (BreakGlassGrant Grant, byte[] Salt) ReadGrant(SqliteDataReader reader)
    {
        var id = reader.GuidAt(0);
        var opened = store.Key.Open(reader.GetFieldValue<byte[]>(6), ReasonAssociatedData(id));
        try
        {
            var reason = Encoding.UTF8.GetString(opened.AsSpan(SaltedCommitment.SaltBytes));
            var grant = new BreakGlassGrant(
                id, reader.GetString(1), reader.NullableStringAt(2), reader.GetFieldValue<byte[]>(3), reason, reader.TimeAt(4), reader.TimeAt(5));
            return (grant, opened[..SaltedCommitment.SaltBytes]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(opened);
        }
    }

    private void Insert(SqliteConnection connection, SqliteTransaction transaction, BreakGlassGrant grant, Guid auditId, byte[] salt)
    {
        var plaintext = new byte[salt.Length + Encoding.UTF8.GetByteCount(grant.Reason)];
        try
        {
            salt.CopyTo(plaintext, 0);
            Encoding.UTF8.GetBytes(grant.Reason, plaintext.AsSpan(salt.Length));
            using var command = Sql.Command(connection, transaction, $"""
                    INSERT INTO break_glass ({Columns}, audit_id)
                    VALUES ($id, $subject, $reference, $patient, $opened, $expires, $reason, $audit)
                    """)
                .With("$id", grant.Id.Bytes())
                .With("$subject", grant.AccessorSubject)
                .With("$reference", grant.AccessorReference)
                .With("$patient", grant.Patient)
                .With("$opened", Sql.UnixMs(grant.OpenedAt))
                .With("$expires", Sql.UnixMs(grant.ExpiresAt))
                .With("$reason", store.Key.Seal(plaintext, ReasonAssociatedData(grant.Id)))
                .With("$audit", auditId.Bytes());
            command.ExecuteNonQuery();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Binds a sealed reason to its purpose and grant, so it cannot be moved to another row.</summary>
    private static byte[] ReasonAssociatedData(Guid id) => [.. "careledger/access/break-glass-reason/v1\n"u8, .. id.Bytes()];

    private static DateTimeOffset ToMilliseconds(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static string PatientText(BreakGlassGrant grant, Guid auditId) =>
        $"Emergency (break-glass) access to your health record was opened by a clinician ({grant.AccessorReference ?? "no practitioner reference"}) " +
        $"at {Utc(grant.OpenedAt)}, until {Utc(grant.ExpiresAt)}. The privacy officer was notified and reviews the reason. Audit record {auditId}.";

    private static string PrivacyOfficerText(BreakGlassGrant grant, Guid auditId) =>
        $"Break-glass access {grant.Id} opened by clinician account {grant.AccessorSubject} ({grant.AccessorReference ?? "no practitioner reference"}) " +
        $"on patient pseudonym {Pseudonym.Hex(grant.Patient)} at {Utc(grant.OpenedAt)}, until {Utc(grant.ExpiresAt)}; review the recorded reason. " +
        $"Audit record {auditId}.";

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
