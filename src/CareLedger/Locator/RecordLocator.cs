using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Locator;
using CareLedger.Ledger.Transactions;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Locator;

/// <summary>One member that announced records of a patient, where its FHIR API answers, and the pseudonym (hex) it announced them under.</summary>
internal sealed record LocatedHolder(string Member, string Organisation, Uri FhirBase, long Leaf, string Locator);

/// <summary>
/// The record locator of one member (F3, ADR 0009). It announces, as ledger transactions, the patients this member holds
/// records of (by locator pseudonym, in batches, in the background once a Patient is written), remembers locally which
/// patient each pseudonym names, and answers which members hold records of a pseudonym by reading every member's
/// announcements from the ledger (an index kept in memory and caught up from the log on each question). An erased patient's
/// entries are retracted by a ledger transaction of the same kind (<see cref="LocatorRetraction"/>), after which the index
/// no longer lists this member for them.
/// </summary>
internal sealed class RecordLocator : IAsyncDisposable
{
    private const string PatientType = "Patient";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    private readonly LedgerEngine ledger;
    private readonly LocatorStore store;
    private readonly SemaphoreSlim pending = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock indexLock = new();
    // pseudonym (hex) → member → holder; member → latest FHIR base it announced.
    private readonly Dictionary<string, Dictionary<string, long>> holders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Organisation, Uri FhirBase)> endpoints = new(StringComparer.Ordinal);
    private long indexed;
    private Task? announcer;
    private Uri? fhirBase;
    private bool rekeyed;

    private RecordLocator(LedgerEngine ledger, LocatorKey key, LocatorStore store)
    {
        this.ledger = ledger;
        Key = key;
        this.store = store;
    }

    public LocatorKey Key { get; }

    /// <summary>The host's logger once it runs (the node opens before the host exists).</summary>
    public ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>The locator of a node that holds the network's locator key; null without one (no announcements, no fetching).</summary>
    public static RecordLocator? Open(string dataDirectory, LedgerEngine ledger) =>
        LocatorKey.Load(dataDirectory) is { } key ? new RecordLocator(ledger, key, LocatorStore.Open(dataDirectory)) : null;

    /// <summary>This member's name in the consortium (its node key's member), or null for a node outside one.</summary>
    public string? MemberName => ledger.MemberName;

    /// <summary>The patient's locator pseudonym in this network.</summary>
    public byte[] PseudonymOf(string identifierValue) => Key.PseudonymOf(ledger.Origin, identifierValue);

    /// <summary>The local patient <paramref name="pseudonym"/> names, if this member announced one.</summary>
    public string? LocalPatient(byte[] pseudonym) => store.PatientOf(pseudonym);

    /// <summary>Starts announcing, now that the node knows the address its FHIR API answers at.</summary>
    public void Start(Uri ownFhirBase)
    {
        fhirBase = ownFhirBase;
        announcer ??= Task.Run(AnnounceLoopAsync);
        pending.Release();
    }

    /// <summary>
    /// Called once a Patient version is committed: each identifier of the network's identifier system names the patient
    /// by a pseudonym, remembered here and announced in the background. Never fails the write.
    /// </summary>
    public void PatientCommitted(string patientId, Resource resource)
    {
        if (resource is not Patient patient)
        {
            return;
        }

        try
        {
            var added = false;
            foreach (var identifier in patient.Identifier)
            {
                if (identifier.System == Key.IdentifierSystem && !string.IsNullOrWhiteSpace(identifier.Value))
                {
                    added |= store.Remember(PseudonymOf(identifier.Value), patientId);
                }
            }

            if (added)
            {
                pending.Release();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The announcement is retried from the store; a patient not yet remembered is remembered at its next write.
            Logger.LogWarning("record locator: a patient could not be remembered: {Type}", e.GetType().Name);
        }
    }

    /// <summary>
    /// Called once a patient is erased (GDPR Art. 17), before the vault shreds them: the patient's pseudonyms are forgotten
    /// here and their entries retracted on the ledger in the background (durably queued first, so a crash only delays
    /// the retraction to the next start), so that other members stop asking. Returns how many pseudonyms it forgot.
    /// </summary>
    public int PatientErased(string patientId)
    {
        var forgotten = store.Forget(patientId);
        if (forgotten > 0)
        {
            pending.Release();
        }

        return forgotten;
    }

    /// <summary>
    /// After a crash interrupted erasures (the tombstone committed, the patient not yet forgotten here): forgets every
    /// patient <paramref name="erased"/> says is gone, as <see cref="PatientErased"/> would have.
    /// </summary>
    public void ForgetErased(Func<string, bool> erased)
    {
        foreach (var patientId in store.Patients().Where(erased))
        {
            PatientErased(patientId);
        }
    }

    /// <summary>The members (other than this one) that announced records of the patient, each with its latest address.</summary>
    public IReadOnlyList<LocatedHolder> Locate(byte[] pseudonym)
    {
        lock (indexLock)
        {
            CatchUp();
            if (!holders.TryGetValue(Convert.ToHexStringLower(pseudonym), out var members))
            {
                return [];
            }

            return [.. members.Where(m => m.Key != MemberName && endpoints.ContainsKey(m.Key))
                .Select(m => new LocatedHolder(m.Key, endpoints[m.Key].Organisation, endpoints[m.Key].FhirBase, m.Value, Convert.ToHexStringLower(pseudonym)))
                .OrderBy(h => h.Member, StringComparer.Ordinal)];
        }
    }

    /// <summary>
    /// The members (other than this one) that hold records of the patient with this network identifier, found under the
    /// current locator key or, while members rotate, a retired one (ADR 0009); a member found under both is asked under
    /// the current key's pseudonym.
    /// </summary>
    public IReadOnlyList<LocatedHolder> LocateIdentifier(string identifierValue)
    {
        var found = new Dictionary<string, LocatedHolder>(StringComparer.Ordinal);
        foreach (var pseudonym in Key.PseudonymsOf(ledger.Origin, identifierValue))
        {
            foreach (var holder in Locate(pseudonym))
            {
                found.TryAdd(holder.Member, holder);
            }
        }

        return [.. found.Values.OrderBy(h => h.Member, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The network identifiers of a local patient, read from their Patient record (set by the node: through the door, as
    /// the custodian); null when the patient is no longer held here. Needed to re-key this member's entries after a rotation.
    /// </summary>
    public Func<string, IReadOnlyList<string>?>? IdentifiersOf { get; set; }

    /// <summary>Whether this member's own announcement of the pseudonym is on the ledger yet.</summary>
    public bool IsAnnounced(byte[] pseudonym)
    {
        lock (indexLock)
        {
            CatchUp();
            return MemberName is { } self && holders.TryGetValue(Convert.ToHexStringLower(pseudonym), out var members) && members.ContainsKey(self);
        }
    }

    private void CatchUp()
    {
        var size = ledger.Size;
        for (; indexed < size; indexed++)
        {
            var tx = ledger.ReadTransaction(indexed).Transaction;
            if (tx.Type != TxType.Anchor)
            {
                continue;
            }

            var anchor = AnchorPayload.Decode(tx.Payload.Span);
            var announcement = LocatorAnnouncement.FromAnchor(anchor);
            var retraction = announcement is null ? LocatorRetraction.FromAnchor(anchor) : null;
            // Only a member's node speaks for the member: the holder is whoever's node key signed the announcement.
            var member = announcement is null && retraction is null ? null : ledger.State.MembersAt(indexed + 1).FirstOrDefault(m => m.NodeKey == tx.Author);
            if (member is null)
            {
                continue;
            }

            if (retraction is not null)
            {
                // It withdraws the signer's own entries only; a later announcement of the pseudonym lists the member again.
                foreach (var patient in retraction.Patients)
                {
                    var key = Convert.ToHexStringLower(patient);
                    if (holders.TryGetValue(key, out var members) && members.Remove(member.Name) && members.Count == 0)
                    {
                        holders.Remove(key);
                    }
                }

                continue;
            }

            endpoints[member.Name] = (member.Organisation, new Uri(announcement!.FhirBase));
            foreach (var patient in announcement.Patients)
            {
                var key = Convert.ToHexStringLower(patient);
                if (!holders.TryGetValue(key, out var members))
                {
                    holders[key] = members = new Dictionary<string, long>(StringComparer.Ordinal);
                }

                members[member.Name] = indexed;
            }
        }
    }

    private async Task AnnounceLoopAsync()
    {
        var ct = stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await pending.WaitAsync(ct);
                if (!rekeyed)
                {
                    Rekey();
                    rekeyed = true;
                }

                while (store.Unannounced(LocatorAnnouncement.MaxPatients) is { Count: > 0 } batch)
                {
                    var announcement = new LocatorAnnouncement(fhirBase!.AbsoluteUri.TrimEnd('/'), LocatorAnnouncement.Ordered(batch));
                    var node = ledger.Keys.Node;
                    var tx = SignedTransaction.Sign(Transaction.Create(announcement.ToAnchor(), node.Id, TimeProvider.System), node);
                    var result = await ledger.SubmitAsync(tx, ct);
                    store.MarkAnnounced(batch, result.LeafIndex);
                }

                // Retractions after announcements: one in flight while its patient was erased is on the ledger before its
                // retraction, and a re-keyed patient is announced under the new key before the old entry goes.
                while (store.Unretracted(LocatorAnnouncement.MaxPatients) is { Count: > 0 } erased)
                {
                    // Only what the ledger lists this member as holding is withdrawn (a patient erased before the
                    // announcement was made needs none).
                    var announced = erased.Where(IsAnnounced).ToList();
                    if (announced.Count > 0)
                    {
                        var retraction = new LocatorRetraction(LocatorAnnouncement.Ordered(announced));
                        var signer = ledger.Keys.Node;
                        await ledger.SubmitAsync(SignedTransaction.Sign(Transaction.Create(retraction.ToAnchor(), signer.Id, TimeProvider.System), signer), ct);
                    }

                    store.MarkRetracted(erased);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Logger.LogWarning("record locator: announcing failed ({Type}: {Message}); retrying", e.GetType().Name, e.Message);
                await Task.Delay(RetryDelay, CancellationToken.None);
                pending.Release();
            }
        }
    }

    /// <summary>
    /// After the locator key was rotated (ADR 0009): every patient this member located is named again under the current
    /// key (read from their record), and their pseudonyms under the old key queued for retraction; the store then records
    /// the key it is under, so this runs once (again after a crash, where the patients done already stay as they are).
    /// </summary>
    private void Rekey()
    {
        var keyId = Key.Id;
        if (store.KeyId is not { } under)
        {
            // A store from before rotations existed: its pseudonyms are under the key the node holds.
            store.KeyId = keyId;
            return;
        }

        if (under.AsSpan().SequenceEqual(keyId))
        {
            return;
        }

        var identifiersOf = IdentifiersOf ?? throw new InvalidOperationException("the node gave the record locator no way to read its patients' identifiers");
        var patients = store.Patients();
        foreach (var patientId in patients)
        {
            var identifiers = identifiersOf(patientId);
            if (identifiers is null)
            {
                store.Forget(patientId);
                continue;
            }

            store.Rekey(patientId, PseudonymsOf(identifiers));
        }

        store.KeyId = keyId;
        Logger.LogInformation("record locator: {Count} patients named under the new locator key; their old entries are retracted", patients.Count);
    }

    private byte[][] PseudonymsOf(IEnumerable<string> identifierValues) =>
        [.. identifierValues.Where(v => !string.IsNullOrWhiteSpace(v)).Select(PseudonymOf).DistinctBy(Convert.ToHexString)];

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (announcer is not null)
        {
            await announcer;
        }

        store.Dispose();
        stopping.Dispose();
        pending.Dispose();
    }
}
