using System.Collections.Concurrent;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Credentials;

/// <summary>
/// A licensing board's practitioner credentials (C8): issues W3C Verifiable Credentials secured as
/// <c>application/vc+jwt</c>, renews and revokes them, and publishes each status change on the ledger as a
/// <see cref="TxType.CredentialStatus"/> transaction signed by the board's <c>credential-issuer</c> key. The ledger is the
/// source of truth for status; DATA/credentials.db keeps the signed credentials (the ledger holds only their hashes).
/// Verification (<see cref="Verify(string)"/>) reads the ledger every time; the door's question (<see cref="Check"/>) reads
/// it again whenever a key or credential status on the ledger has changed since its last valid answer.
/// </summary>
/// <remarks>
/// Changes are serialised (boards issue a few credentials a day); queries run on any thread. Bad input throws
/// <see cref="ArgumentException"/>, an unknown credential <see cref="KeyNotFoundException"/>, a change the credential's
/// state forbids <see cref="InvalidOperationException"/>; nothing is written then.
/// </remarks>
public sealed partial class CredentialRegistry : ICredentialStatus, IDisposable
{
    public const string DatabaseFileName = "credentials.db";
    public const string IssuerKeyFileName = "credential-issuer.key";
    public const int MaxReasonLength = 500;

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly CredentialRegistryOptions options;
    private readonly LedgerEngine ledger;
    private readonly CredentialStore store;
    private readonly SemaphoreSlim changes = new(1, 1);
    private readonly Lock keysLock = new();
    // Keys that sign renewals and revocations: the board's key file (owned) and keys handed to IssueAsync (the caller's).
    private readonly Dictionary<KeyId, AuthorKey> issuerKeys = [];
    // The door asks per request: its lookup by practitioner stays in memory, refreshed by every change (all go through here).
    private readonly ConcurrentDictionary<string, StoredCredential[]> byPractitioner = new(StringComparer.Ordinal);
    private AuthorKey? ownedKey;
    private bool disposed;

    private CredentialRegistry(CredentialRegistryOptions options, LedgerEngine ledger, CredentialStore store)
    {
        this.options = options;
        this.ledger = ledger;
        this.store = store;
    }

    /// <summary>Opens (or creates) DATA/credentials.db and settles changes that a crash left between the database and the ledger.</summary>
    public static CredentialRegistry Open(CredentialRegistryOptions options, LedgerEngine ledger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        var registry = new CredentialRegistry(options with { DataDirectory = Path.GetFullPath(options.DataDirectory) }, ledger, CredentialStore.Open(options.DatabasePath));
        try
        {
            registry.SettlePending();
            foreach (var practitioner in registry.store.AllCommitted().GroupBy(c => c.PractitionerReference))
            {
                registry.byPractitioner[practitioner.Key] = [.. practitioner];
            }

            return registry;
        }
        catch
        {
            registry.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The board's <c>credential-issuer</c> key (DATA/keys/credential-issuer.key, mode 0600): generated and saved the first
    /// time, then registered on the ledger by the organisation key (<c>KeyRegistered</c>, labelled with the board's name).
    /// Saved before registered, so a registered key is never lost. Owned by the registry: do not dispose it.
    /// </summary>
    /// <param name="boardName">The label if the key is registered now; null for <see cref="CredentialRegistryOptions.BoardName"/>.</param>
    /// <exception cref="InvalidOperationException">the key file's key is registered with another role, or revoked.</exception>
    public async Task<AuthorKey> EnsureIssuerKeyAsync(string? boardName = null, CancellationToken ct = default)
    {
        var label = boardName ?? options.BoardName;
        ArgumentException.ThrowIfNullOrWhiteSpace(label, nameof(boardName));
        await changes.WaitAsync(ct);
        try
        {
            var key = OwnedKey() ?? CreateOwnedKey();
            if (ledger.State.FindKey(key.Id) is { } registered)
            {
                ThrowIfNotIssuer(registered);
                return key;
            }

            var organisation = ledger.Keys.Organisation;
            var registration = new KeyRegisteredPayload(key.PublicKeySpki, KeyRoles.CredentialIssuer, label);
            await ledger.SubmitAsync(SignedTransaction.Sign(Transaction.Create(registration, organisation.Id, options.Time), organisation), ct);
            return key;
        }
        finally
        {
            changes.Release();
        }
    }

    /// <summary>Issues a credential: signs it, keeps it, and records it Issued on the ledger.</summary>
    /// <param name="issuerKey">A registered, unrevoked credential-issuer key (stays the caller's; kept for later renewals in this process).</param>
    /// <param name="practitionerReference"><c>Practitioner/&lt;id&gt;</c>.</param>
    /// <param name="validUntil">The end of validity, after now (kept to whole seconds).</param>
    public Task<IssuedCredential> IssueAsync(AuthorKey issuerKey, string practitionerReference, PractitionerLicence licence, DateTimeOffset validUntil,
        CancellationToken ct = default) =>
        IssueAsync(issuerKey, practitionerReference, null, licence, validUntil, ct);

    /// <summary>Issues a credential naming the practitioner's own ledger key (<c>credentialSubject.ledgerKey</c>).</summary>
    /// <param name="practitionerKey">
    /// The practitioner's key, registered on the ledger with role practitioner and not revoked; the credential verifies only
    /// while it stays so. Null for a credential that names no key.
    /// </param>
    /// <exception cref="InvalidOperationException">the practitioner key is not registered, of another role, or revoked.</exception>
    public async Task<IssuedCredential> IssueAsync(AuthorKey issuerKey, string practitionerReference, KeyId? practitionerKey, PractitionerLicence licence,
        DateTimeOffset validUntil, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(issuerKey);
        if (practitionerKey is { } named && SubjectKeyProblem(named) is { } keyProblem)
        {
            throw new InvalidOperationException($"the practitioner key {keyProblem}; register the practitioner's own key first");
        }

        ArgumentNullException.ThrowIfNull(licence);
        ThrowIfProblem(CredentialIdentifiers.PractitionerReferenceProblem(practitionerReference), nameof(practitionerReference));
        ThrowIfProblem(licence.Problem(), nameof(licence));
        var now = PractitionerLicenceCredential.WholeSeconds(options.Time.GetUtcNow());
        var until = ThrowIfNotAfter(PractitionerLicenceCredential.WholeSeconds(validUntil), now, nameof(validUntil));
        ThrowIfNotIssuer(ledger.State.FindKey(issuerKey.Id)
            ?? throw new InvalidOperationException($"key {issuerKey.Id} is not registered on the ledger; register it as a {KeyRoles.CredentialIssuer} key first"));

        await changes.WaitAsync(ct);
        try
        {
            Remember(issuerKey);
            var credential = new PractitionerLicenceCredential(CredentialIdentifiers.NewCredentialId(), CredentialIdentifiers.IssuerFor(issuerKey.Id), now, until,
                SubjectFor(practitionerReference), licence, practitionerKey);
            var jwt = VcJwt.Sign(credential, issuerKey);
            store.InsertPending(credential.Id, practitionerReference, issuerKey.Id, jwt, now);
            await PublishAsync(credential.Id, CredentialStatusKind.Issued, VcJwt.DigestOf(jwt), until.ToUnixTimeMilliseconds(), issuerKey, ct);
            store.Promote(credential.Id);
            Reindex(practitionerReference);
            return Describe(store.Find(credential.Id)!);
        }
        finally
        {
            changes.Release();
        }
    }

    /// <summary>Re-issues the credential under the same id with a new validity, signed by the key that issued it; the earlier JWT stops verifying.</summary>
    public async Task<IssuedCredential> RenewAsync(string credentialId, DateTimeOffset newValidUntil, CancellationToken ct = default)
    {
        ThrowIfProblem(CredentialIdentifiers.CredentialIdProblem(credentialId), nameof(credentialId));
        var now = PractitionerLicenceCredential.WholeSeconds(options.Time.GetUtcNow());
        var until = ThrowIfNotAfter(PractitionerLicenceCredential.WholeSeconds(newValidUntil), now, nameof(newValidUntil));
        await changes.WaitAsync(ct);
        try
        {
            var (stored, status) = Current(credentialId);
            if (status.IsRevoked)
            {
                throw new InvalidOperationException($"credential {credentialId} was revoked at leaf {status.Leaf}; a revoked credential cannot be renewed");
            }

            var key = IssuerKeyFor(stored);
            var previous = PractitionerLicenceCredential.Parse(VcJwt.Parse(stored.Jwt!).Payload.Span);
            var jwt = VcJwt.Sign(previous with { ValidFrom = now, ValidUntil = until }, key);
            store.SetPending(credentialId, jwt);
            await PublishAsync(credentialId, CredentialStatusKind.Renewed, VcJwt.DigestOf(jwt), until.ToUnixTimeMilliseconds(), key, ct);
            store.Promote(credentialId);
            Reindex(stored.PractitionerReference);
            return Describe(store.Find(credentialId)!);
        }
        finally
        {
            changes.Release();
        }
    }

    /// <summary>Revokes the credential on the ledger for good; <paramref name="reason"/> stays with the board.</summary>
    public async Task<IssuedCredential> RevokeAsync(string credentialId, string reason, CancellationToken ct = default)
    {
        ThrowIfProblem(CredentialIdentifiers.CredentialIdProblem(credentialId), nameof(credentialId));
        ThrowIfProblem(ReasonProblem(reason), nameof(reason));
        await changes.WaitAsync(ct);
        try
        {
            var (stored, status) = Current(credentialId);
            if (status.IsRevoked)
            {
                throw new InvalidOperationException($"credential {credentialId} was already revoked at leaf {status.Leaf}");
            }

            var key = IssuerKeyFor(stored);
            await PublishAsync(credentialId, CredentialStatusKind.Revoked, status.Digest, status.ValidUntilUnixMs, key, ct);
            store.SetRevocationReason(credentialId, reason);
            Reindex(stored.PractitionerReference);
            return Describe(store.Find(credentialId)!);
        }
        finally
        {
            changes.Release();
        }
    }

    public void Dispose()
    {
        lock (keysLock)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            ownedKey?.Dispose();
            issuerKeys.Clear();
        }

        store.Dispose();
        changes.Dispose();
    }

    private async Task PublishAsync(string credentialId, CredentialStatusKind kind, byte[] digest, long validUntilUnixMs, AuthorKey key, CancellationToken ct)
    {
        var payload = new CredentialStatusPayload(CredentialStatusPayload.HashCredentialId(credentialId), kind, digest, validUntilUnixMs);
        var signed = SignedTransaction.Sign(Transaction.Create(payload, key.Id, options.Time), key);
        try
        {
            // Not cancellable once submitted: the transaction may become durable, and then the pending JWT must be promoted.
            await ledger.SubmitAsync(signed, CancellationToken.None).AsTask().WaitAsync(ct);
        }
        catch (TransactionRejectedException)
        {
            if (kind != CredentialStatusKind.Revoked)
            {
                store.DropPending(credentialId);
            }

            throw;
        }
    }

    /// <summary>The stored credential (on the ledger) and its ledger status; KeyNotFoundException when this board never issued it.</summary>
    private (StoredCredential Stored, CredentialState Status) Current(string credentialId)
    {
        var stored = store.Find(credentialId);
        if (stored?.Jwt is null)
        {
            throw new KeyNotFoundException($"this registry holds no issued credential {credentialId}");
        }

        var status = ledger.State.FindCredential(CredentialStatusPayload.HashCredentialId(credentialId))
            ?? throw new InvalidOperationException($"credential {credentialId} is in credentials.db but not on the ledger; was the ledger replaced?");
        return (stored, status);
    }

    private IssuedCredential Describe(StoredCredential stored)
    {
        var credential = PractitionerLicenceCredential.Parse(VcJwt.Parse(stored.Jwt!).Payload.Span);
        var status = ledger.State.FindCredential(CredentialStatusPayload.HashCredentialId(stored.Id));
        return new IssuedCredential(stored.Id, stored.PractitionerReference, stored.Jwt!, status?.Status ?? CredentialStatusKind.Issued,
            credential.ValidFrom, status?.ValidUntil ?? credential.ValidUntil, status?.Leaf ?? -1, stored.RevocationReason);
    }

    /// <summary>A crash between storing a signed JWT and learning the ledger's answer: the ledger decides which it is.</summary>
    private void SettlePending()
    {
        foreach (var pending in store.Pending())
        {
            var status = ledger.State.FindCredential(CredentialStatusPayload.HashCredentialId(pending.Id));
            if (status is not null && status.Digest.AsSpan().SequenceEqual(VcJwt.DigestOf(pending.PendingJwt!)))
            {
                store.Promote(pending.Id);
            }
            else
            {
                store.DropPending(pending.Id);
            }
        }
    }

    private void Reindex(string practitionerReference) => byPractitioner[practitionerReference] = [.. store.ForPractitioner(practitionerReference)];

    private string SubjectFor(string practitionerReference) =>
        options.PractitionerBaseUrl is { } baseUrl
            ? baseUrl.AbsoluteUri.TrimEnd('/') + "/" + practitionerReference
            : $"urn:careledger:{ledger.Origin}:{practitionerReference}";

    private AuthorKey IssuerKeyFor(StoredCredential stored)
    {
        lock (keysLock)
        {
            if (issuerKeys.TryGetValue(stored.IssuerKey, out var key))
            {
                return key;
            }
        }

        if ((OwnedKey() ?? LoadOwnedKeyIfPresent()) is { } owned && owned.Id == stored.IssuerKey)
        {
            return owned;
        }

        throw new InvalidOperationException(
            $"credential {stored.Id} was issued by key {stored.IssuerKey}, which this registry does not hold ({options.IssuerKeyPath} holds {ownedKey?.Id.ToString() ?? "no key"})");
    }

    private void Remember(AuthorKey key)
    {
        lock (keysLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            issuerKeys.TryAdd(key.Id, key);
        }
    }

    private AuthorKey? OwnedKey()
    {
        lock (keysLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return ownedKey;
        }
    }

    private AuthorKey? LoadOwnedKeyIfPresent() => File.Exists(options.IssuerKeyPath) ? Adopt(AuthorKey.Load(options.IssuerKeyPath)) : null;

    private AuthorKey CreateOwnedKey()
    {
        if (LoadOwnedKeyIfPresent() is { } existing)
        {
            return existing;
        }

        var directory = Path.GetDirectoryName(options.IssuerKeyPath)!;
        if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }

        var key = AuthorKey.Generate();
        try
        {
            key.Save(options.IssuerKeyPath);
        }
        catch
        {
            key.Dispose();
            throw;
        }

        return Adopt(key);
    }

    private AuthorKey Adopt(AuthorKey key)
    {
        lock (keysLock)
        {
            if (disposed || ownedKey is not null)
            {
                key.Dispose();
                ObjectDisposedException.ThrowIf(disposed, this);
                return ownedKey!;
            }

            ownedKey = key;
            issuerKeys.TryAdd(key.Id, key);
            return key;
        }
    }

    private static void ThrowIfNotIssuer(KeyRecord record)
    {
        if (record.Role != KeyRoles.CredentialIssuer)
        {
            throw new InvalidOperationException($"key {record.Id} is registered with role '{record.Role}', not '{KeyRoles.CredentialIssuer}'");
        }

        if (record.IsRevoked)
        {
            throw new InvalidOperationException($"credential-issuer key {record.Id} was revoked at leaf {record.RevokedLeaf}");
        }
    }

    private static DateTimeOffset ThrowIfNotAfter(DateTimeOffset validUntil, DateTimeOffset now, string parameter) =>
        validUntil > now ? validUntil : throw new ArgumentException($"valid-until {validUntil:O} must be after now ({now:O})", parameter);

    private static string? ReasonProblem(string? reason) =>
        string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength ? $"the reason must be 1 to {MaxReasonLength} characters, not blank"
        : reason.Any(char.IsControl) ? "the reason must not contain control characters"
        : null;

    private static void ThrowIfProblem(string? problem, string parameter)
    {
        if (problem is not null)
        {
            throw new ArgumentException(problem, parameter);
        }
    }
}
