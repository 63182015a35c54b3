using System.Security.Cryptography;
using System.Text;
using CareLedger.Access.Store;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.People;

/// <summary>
/// Custodial ECDSA P-256 author keys of people, held by the node so that what a person decides is signed by a key of
/// their own: patients' and delegates' consents and delegations, practitioners' break-glass declarations. One PKCS#8
/// file per subject under DATA/keys/people/ (mode 0600), named by a hash of the subject so that the directory lists no
/// account ids. The first request registers the key on the ledger (<c>KeyRegistered</c> by the organisation key, which
/// vouches for the person as it vouches for their account): role patient or delegate with label
/// <c>pseudonym:&lt;patient's pseudonym&gt;</c>, binding the key to that one patient; role practitioner or researcher with
/// label <c>pseudonym:&lt;a random pseudonym of the person&gt;</c>, naming no one. The key is saved before it is
/// registered, so a registered key is never lost; a key saved but not registered (a crash between the two) is registered
/// by the next request. <see cref="RevokeAsync"/> revokes a subject's key for good (the organisation signs it).
/// The keys returned stay owned by this object: callers must not dispose them.
/// </summary>
public sealed class PersonKeys : IDisposable
{
    public const string DirectoryName = "people";

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string directory;
    private readonly TimeProvider time;
    private readonly Dictionary<string, AuthorKey> loaded = new(StringComparer.Ordinal);
    private readonly Lock loadedLock = new();
    // First requests (generate, save, register) are rare: one at a time is simple and rules out two keys for one subject.
    private readonly SemaphoreSlim registration = new(1, 1);
    private bool disposed;

    /// <param name="dataDirectory">The node's data directory; keys live in its keys/people/.</param>
    /// <param name="time">Stamps the KeyRegistered transactions.</param>
    public PersonKeys(string dataDirectory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        directory = Path.Combine(Path.GetFullPath(dataDirectory), "keys", DirectoryName);
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The subject's key, generated, saved and registered on the ledger the first time. Safe under concurrent calls.
    /// </summary>
    /// <param name="subject">The person's opaque account id. A key speaks for one patient: a person acting for several
    /// patients needs one subject per patient (e.g. account id and patient).</param>
    /// <param name="role"><see cref="KeyRoles.Patient"/> or <see cref="KeyRoles.Delegate"/>.</param>
    /// <param name="pseudonym">The vault pseudonym (16 bytes) of the patient the key speaks for.</param>
    /// <exception cref="InvalidOperationException">the subject's key is registered for another role or patient, or revoked.</exception>
    public async Task<AuthorKey> GetOrRegisterAsync(string subject, string role, byte[] pseudonym, LedgerEngine ledger, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(ledger);
        if (!KeyRoles.IsBoundToPatient(role))
        {
            throw new ArgumentException($"a person key has role '{KeyRoles.Patient}' or '{KeyRoles.Delegate}', not '{role}'", nameof(role));
        }

        Pseudonym.ThrowIfInvalid(pseudonym, nameof(pseudonym));
        var label = KeyLabels.ForPseudonym(pseudonym);
        return await GetOrRegisterAsync(subject, role, label, ledger, ct);
    }

    /// <summary>
    /// The own key of a practitioner or researcher, generated, saved and registered on the ledger the first time with a
    /// fresh random pseudonym as its label (the ledger learns that a person of this role holds the key, not who). Safe
    /// under concurrent calls. A practitioner's licence credential names this key (<c>credentialSubject.ledgerKey</c>).
    /// </summary>
    /// <param name="subject">The person's opaque account id.</param>
    /// <param name="role"><see cref="KeyRoles.Practitioner"/> or <see cref="KeyRoles.Researcher"/>.</param>
    /// <exception cref="InvalidOperationException">the subject's key is registered for another role.</exception>
    /// <exception cref="PersonKeyRevokedException">the subject's key is revoked.</exception>
    public Task<AuthorKey> GetOrRegisterOwnAsync(string subject, string role, LedgerEngine ledger, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(ledger);
        if (role is not (KeyRoles.Practitioner or KeyRoles.Researcher))
        {
            throw new ArgumentException($"a person's own key has role '{KeyRoles.Practitioner}' or '{KeyRoles.Researcher}', not '{role}'", nameof(role));
        }

        return GetOrRegisterAsync(subject, role, label: null, ledger, ct);
    }

    /// <summary>The ledger's record of the subject's key (revoked or not), or null when the subject has no registered key here.</summary>
    public KeyRecord? Find(string subject, LedgerEngine ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var path = KeyPath(subject);
        var key = Loaded(path) ?? (File.Exists(path) ? LoadOrCreate(path) : null);
        return key is null ? null : ledger.State.FindKey(key.Id);
    }

    /// <summary>
    /// Revokes the subject's registered key on the ledger (<c>KeyRevoked</c> by the organisation key), from the next leaf
    /// on: the ledger refuses anything it signs afterwards, a credential naming it stops verifying, and this object refuses
    /// to hand it out. The key file stays, so the subject is not silently given a new key; the revocation is final.
    /// </summary>
    /// <exception cref="InvalidOperationException">the subject has no registered key, or it is already revoked.</exception>
    public async Task<KeyRecord> RevokeAsync(string subject, LedgerEngine ledger, CancellationToken ct)
    {
        await registration.WaitAsync(ct);
        try
        {
            var record = Find(subject, ledger) ?? throw new InvalidOperationException("this subject has no key registered on the ledger");
            if (record.IsRevoked)
            {
                throw new InvalidOperationException($"this subject's key {record.Id} was already revoked at leaf {record.RevokedLeaf}");
            }

            var organisation = ledger.Keys.Organisation;
            await ledger.SubmitAsync(SignedTransaction.Sign(Transaction.Create(new KeyRevokedPayload(record.Id), organisation.Id, time), organisation), ct);
            return ledger.State.FindKey(record.Id)!;
        }
        finally
        {
            registration.Release();
        }
    }

    /// <param name="label">The label the key must carry; null for a person's own key (a new random pseudonym when registered).</param>
    private async Task<AuthorKey> GetOrRegisterAsync(string subject, string role, string? label, LedgerEngine ledger, CancellationToken ct)
    {
        var path = KeyPath(subject);
        if (Loaded(path) is { } known && ledger.State.FindKey(known.Id) is { } knownRecord)
        {
            ThrowIfBoundElsewhere(knownRecord, role, label);
            return known;
        }

        await registration.WaitAsync(ct);
        try
        {
            var key = Loaded(path) ?? LoadOrCreate(path);
            if (ledger.State.FindKey(key.Id) is { } record)
            {
                ThrowIfBoundElsewhere(record, role, label);
                return key;
            }

            await RegisterAsync(key, role, label ?? KeyLabels.ForPseudonym(RandomNumberGenerator.GetBytes(Pseudonym.Length)), ledger, ct);
            return key;
        }
        finally
        {
            registration.Release();
        }
    }

    /// <summary>The key file of a subject: DATA/keys/people/&lt;SHA-256 of the subject, hex&gt;.key.</summary>
    public string KeyPath(string subject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("careledger/person-key/v1\n" + subject));
        return Path.Combine(directory, Convert.ToHexStringLower(hash) + ".key");
    }

    public void Dispose()
    {
        lock (loadedLock)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            foreach (var key in loaded.Values)
            {
                key.Dispose();
            }

            loaded.Clear();
        }

        registration.Dispose();
    }

    private AuthorKey? Loaded(string path)
    {
        lock (loadedLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return loaded.GetValueOrDefault(path);
        }
    }

    private AuthorKey LoadOrCreate(string path)
    {
        AuthorKey key;
        if (File.Exists(path))
        {
            key = AuthorKey.Load(path);
        }
        else
        {
            if (!OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory, OwnerOnlyDirectory);
            }

            key = AuthorKey.Generate();
            try
            {
                key.Save(path);
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }

        lock (loadedLock)
        {
            if (disposed)
            {
                key.Dispose();
                ObjectDisposedException.ThrowIf(disposed, this);
            }

            loaded[path] = key;
        }

        return key;
    }

    private async Task RegisterAsync(AuthorKey key, string role, string label, LedgerEngine ledger, CancellationToken ct)
    {
        var organisation = ledger.Keys.Organisation;
        var registered = SignedTransaction.Sign(
            Transaction.Create(new KeyRegisteredPayload(key.PublicKeySpki, role, label), organisation.Id, time), organisation);
        await ledger.SubmitAsync(registered, ct);
    }

    private static void ThrowIfBoundElsewhere(KeyRecord record, string role, string? label)
    {
        if (record.Role != role || (label is not null && record.Label != label))
        {
            throw new InvalidOperationException(
                $"this subject's key {record.Id} is registered as a {record.Role} key for another binding; a key speaks for one patient in one role");
        }

        if (record.RevokedLeaf is { } revokedLeaf)
        {
            throw new PersonKeyRevokedException(record.Id, revokedLeaf);
        }
    }
}
