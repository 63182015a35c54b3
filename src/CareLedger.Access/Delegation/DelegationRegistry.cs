using CareLedger.Access.Store;
using CareLedger.Consent.Requests;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Delegation;

/// <summary>
/// The delegations of a node, in access.db. Each grant and each revocation is recorded as its canonical record
/// (<see cref="DelegationRecordFormat"/>) and anchored on the ledger (<c>Anchor</c> kind "delegation", digest = salted
/// commitment of the record, context = the grant id), signed by the patient's own key when the patient grants, or by
/// the node key for a court order. Revocation is forward-only: the grant stays listed, with its <c>RevokedAt</c>.
/// </summary>
public sealed class DelegationRegistry : IDelegations, IDisposable
{
    public const string AnchorKind = "delegation";
    public const string GrantEvent = "delegation-grant";
    public const string RevokeEvent = "delegation-revoke";
    public const int MaxReferenceLength = 200;

    private readonly AccessStore store;
    private readonly LedgerEngine ledger;
    private readonly TimeProvider time;
    // Grants and revocations check, record and anchor one at a time: checks and records never interleave.
    private readonly SemaphoreSlim changes = new(1, 1);

    public DelegationRegistry(AccessStore store, LedgerEngine ledger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        this.store = store;
        this.ledger = ledger;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Records that <paramref name="delegateReference"/> may act for the patient within <paramref name="scope"/>, and anchors it.
    /// </summary>
    /// <param name="signer">For <see cref="DelegationSource.Patient"/>: the patient's registered key (role patient, bound to
    /// <paramref name="patient"/>); for <see cref="DelegationSource.CourtOrder"/>: the node key.</param>
    /// <exception cref="ArgumentException">bad input, or a signer that cannot speak for this source.</exception>
    /// <exception cref="InvalidOperationException">an unrevoked delegation from this patient to this delegate exists.</exception>
    /// <exception cref="TransactionRejectedException">the ledger refused the anchor; nothing is recorded.</exception>
    public async Task<DelegationGrant> GrantAsync(
        byte[] patient, string delegateReference, DelegateKind kind, DelegationScope scope, DelegationSource source, AuthorKey signer, CancellationToken ct = default)
    {
        Pseudonym.ThrowIfInvalid(patient, nameof(patient));
        ThrowIfBadReference(delegateReference);
        if (kind is not (DelegateKind.Guardian or DelegateKind.Caregiver))
        {
            throw new ArgumentException($"a delegate is a {DelegateKind.Guardian} or a {DelegateKind.Caregiver}, not {kind}", nameof(kind));
        }

        ThrowIfBadScope(scope);
        ArgumentNullException.ThrowIfNull(signer);
        ThrowIfNotSigner(source, patient, signer);
        await changes.WaitAsync(ct);
        try
        {
            if (Find(delegateReference, patient) is { } standing)
            {
                throw new InvalidOperationException(
                    $"delegation {standing.Id} from this patient to {delegateReference} stands; revoke it before granting another");
            }

            var recordedAt = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
            var grant = new DelegationGrant(Guid.CreateVersion7(recordedAt), delegateReference, patient.ToArray(), kind, Copy(scope), source, recordedAt);
            var record = DelegationRecordFormat.EncodeGrant(grant);
            var salt = SaltedCommitment.NewSalt();
            var anchor = AccessStore.SignAnchor(AnchorKind, SaltedCommitment.Compute(salt, record), grant.Id, signer, time);
            store.Write((c, t) =>
            {
                using var insert = Sql.Command(c, t, """
                        INSERT INTO delegations (id, delegate_reference, patient, grant_record, grant_salt)
                        VALUES ($id, $reference, $patient, $record, $salt)
                        """)
                    .With("$id", grant.Id.Bytes())
                    .With("$reference", delegateReference)
                    .With("$patient", grant.Patient)
                    .With("$record", record)
                    .With("$salt", salt);
                insert.ExecuteNonQuery();
                AccessStore.AddPendingAnchor(c, t, grant.Id, GrantEvent, anchor);
            });
            await AnchorOrUndoAsync(anchor, (c, t) =>
            {
                using var delete = Sql.Command(c, t, "DELETE FROM delegations WHERE id = $id").With("$id", grant.Id.Bytes());
                delete.ExecuteNonQuery();
            }, ct);
            return grant;
        }
        finally
        {
            changes.Release();
        }
    }

    /// <summary>Revokes a standing delegation from now on, and anchors the revocation; the grant stays listed.</summary>
    /// <param name="signer">The key that may grant it: the patient's key for a patient's grant, the node key for a court order.</param>
    /// <exception cref="KeyNotFoundException">no delegation has this id.</exception>
    /// <exception cref="InvalidOperationException">it was already revoked.</exception>
    public async Task<DelegationGrant> RevokeAsync(Guid id, AuthorKey signer, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(signer);
        await changes.WaitAsync(ct);
        try
        {
            var grant = Get(id) ?? throw new KeyNotFoundException($"no delegation has id {id}");
            if (grant.RevokedAt is { } revokedBefore)
            {
                throw new InvalidOperationException($"delegation {id} was already revoked at {revokedBefore:O}");
            }

            ThrowIfNotSigner(grant.Source, grant.Patient, signer);
            var revokedAt = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
            var record = DelegationRecordFormat.EncodeRevocation(id, revokedAt);
            var salt = SaltedCommitment.NewSalt();
            var anchor = AccessStore.SignAnchor(AnchorKind, SaltedCommitment.Compute(salt, record), id, signer, time);
            store.Write((c, t) =>
            {
                using var revoke = Sql.Command(c, t, """
                        UPDATE delegations SET revoked_unix_ms = $revoked, revoke_record = $record, revoke_salt = $salt
                        WHERE id = $id AND revoked_unix_ms IS NULL
                        """)
                    .With("$revoked", Sql.UnixMs(revokedAt))
                    .With("$record", record)
                    .With("$salt", salt)
                    .With("$id", id.Bytes());
                revoke.ExecuteNonQuery();
                AccessStore.AddPendingAnchor(c, t, id, RevokeEvent, anchor);
            });
            await AnchorOrUndoAsync(anchor, (c, t) =>
            {
                using var undo = Sql.Command(c, t, "UPDATE delegations SET revoked_unix_ms = NULL, revoke_record = NULL, revoke_salt = NULL WHERE id = $id")
                    .With("$id", id.Bytes());
                undo.ExecuteNonQuery();
            }, ct);
            return grant with { RevokedAt = revokedAt };
        }
        finally
        {
            changes.Release();
        }
    }

    /// <inheritdoc />
    public DelegationGrant? Find(string delegateReference, byte[] patient)
    {
        ArgumentNullException.ThrowIfNull(delegateReference);
        Pseudonym.ThrowIfInvalid(patient, nameof(patient));
        return Query("""
                SELECT grant_record, revoked_unix_ms FROM delegations
                WHERE delegate_reference = $reference AND patient = $patient AND revoked_unix_ms IS NULL
                ORDER BY id DESC LIMIT 1
                """,
                command => command.With("$reference", delegateReference).With("$patient", patient))
            .SingleOrDefault();
    }

    /// <summary>A delegation by id, revoked or not; null when unknown.</summary>
    public DelegationGrant? Get(Guid id) =>
        Query("SELECT grant_record, revoked_unix_ms FROM delegations WHERE id = $id", command => command.With("$id", id.Bytes())).SingleOrDefault();

    /// <summary>Every delegation the patient ever had, standing or revoked, oldest first.</summary>
    public IReadOnlyList<DelegationGrant> ForPatient(byte[] patient)
    {
        Pseudonym.ThrowIfInvalid(patient, nameof(patient));
        return Query("SELECT grant_record, revoked_unix_ms FROM delegations WHERE patient = $patient ORDER BY id", command => command.With("$patient", patient));
    }

    /// <summary>The ledger anchors of a delegation: its grant, then its revocation if any.</summary>
    public IReadOnlyList<LedgerAnchor> AnchorsOf(Guid id) => store.AnchorsOf(id);

    public void Dispose() => changes.Dispose();

    /// <summary>The commitment anchored for an event of a delegation, recomputed from what access.db holds.</summary>
    internal byte[]? RecomputeCommitment(Guid id, string anchorEvent) => store.Read(c =>
    {
        var columns = anchorEvent == GrantEvent ? "grant_salt, grant_record" : "revoke_salt, revoke_record";
        using var command = Sql.Command(c, null, $"SELECT {columns} FROM delegations WHERE id = $id").With("$id", id.Bytes());
        using var reader = command.ExecuteReader();
        return reader.Read() && !reader.IsDBNull(0)
            ? SaltedCommitment.Compute(reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<byte[]>(1))
            : null;
    });

    private async Task AnchorOrUndoAsync(SignedTransaction anchor, Action<SqliteConnection, SqliteTransaction> undo, CancellationToken ct)
    {
        try
        {
            await store.SubmitAnchorAsync(ledger, anchor, ct);
        }
        catch (TransactionRejectedException)
        {
            store.Write((c, t) =>
            {
                undo(c, t);
                AccessStore.RemoveAnchor(c, t, anchor.Transaction.Id);
            });
            throw;
        }
    }

    private List<DelegationGrant> Query(string sql, Action<SqliteCommand> bind) => store.Read(c =>
    {
        using var command = Sql.Command(c, null, sql);
        bind(command);
        using var reader = command.ExecuteReader();
        var grants = new List<DelegationGrant>();
        while (reader.Read())
        {
            grants.Add(DelegationRecordFormat.DecodeGrant(reader.GetFieldValue<byte[]>(0)) with { RevokedAt = reader.NullableTimeAt(1) });
        }

        return grants;
    });

    private void ThrowIfNotSigner(DelegationSource source, byte[] patient, AuthorKey signer)
    {
        switch (source)
        {
            case DelegationSource.Patient:
                var key = ledger.State.FindKey(signer.Id);
                if (key is null || key.IsRevoked || key.Role != KeyRoles.Patient || key.Label != KeyLabels.ForPseudonym(patient))
                {
                    throw new ArgumentException(
                        $"a patient's delegation is signed by the patient's own registered, unrevoked key (role '{KeyRoles.Patient}', bound to this patient); key {signer.Id} is not",
                        nameof(signer));
                }

                break;
            case DelegationSource.CourtOrder:
                if (signer.Id != ledger.Keys.Node.Id)
                {
                    throw new ArgumentException($"a court-ordered delegation is recorded by the node key, not key {signer.Id}", nameof(signer));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(source), source, "not a delegation source");
        }
    }

    private static void ThrowIfBadReference(string delegateReference)
    {
        ArgumentNullException.ThrowIfNull(delegateReference);
        var slash = delegateReference.IndexOf('/', StringComparison.Ordinal);
        var valid = delegateReference.Length <= MaxReferenceLength
            && slash > 0 && char.IsAsciiLetterUpper(delegateReference[0])
            && delegateReference[..slash].All(char.IsAsciiLetter)
            && slash < delegateReference.Length - 1
            && delegateReference[(slash + 1)..].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.');
        if (!valid)
        {
            throw new ArgumentException($"'{delegateReference}' is not a FHIR reference such as RelatedPerson/7", nameof(delegateReference));
        }
    }

    private static void ThrowIfBadScope(DelegationScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Period.IsEmpty)
        {
            throw new ArgumentException($"the delegation's period {scope.Period} contains no instant", nameof(scope));
        }

        if (scope.Actions is null || scope.Classes is null)
        {
            throw new ArgumentException("the delegation's actions and classes are lists (empty for any)", nameof(scope));
        }

        foreach (var coding in scope.Actions.Concat(scope.Classes))
        {
            if (!coding.IsComplete)
            {
                throw new ArgumentException($"coding '{coding}' of the delegation's scope needs a system and a code", nameof(scope));
            }
        }
    }

    /// <summary>A copy the caller cannot change after the grant was recorded.</summary>
    private static DelegationScope Copy(DelegationScope scope) => new() { Period = scope.Period, Actions = [.. scope.Actions], Classes = [.. scope.Classes] };
}
