using CareLedger.Access.Gate;
using CareLedger.Access.People;
using CareLedger.Consent.Validation;
using CareLedger.Fhir.Errors;
using CareLedger.Ledger.Crypto;
using CareLedger.Fhir.Validation;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Vault;
using CareLedger.Vault.Search;
using System.Threading.Channels;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Fhir.Storage;

/// <summary>
/// Where FHIR resources are kept: encrypted in the vault, each version's salted commitment on the ledger.
/// A write of one or many resources is one ledger transaction: stage every version in the vault (sealed, invisible,
/// tagged with the transaction id) → sign one RecordsCommitted transaction with the node's author key → wait until
/// it is durable → commit the staged versions. Any failure before the ledger acknowledges abandons the staged
/// versions, so nothing of a failed write is visible or ledgered; a crash in between is settled on restart by
/// <see cref="Vault.RecoverPending"/>, which keeps exactly the versions whose transaction is in the log.
/// </summary>
public sealed class ResourceRepository
{
    private readonly LedgerEngine ledger;
    private readonly Vault.Vault vault;
    private readonly AccessGate gate;
    private readonly PersonKeys? people;
    private readonly TimeProvider clock;
    private readonly Channel<QueuedCommit> queue = Channel.CreateUnbounded<QueuedCommit>(new UnboundedChannelOptions { SingleReader = true });
    private Exception? loopFault;

    /// <param name="people">
    /// Custodial keys of patients and delegates: with them, a Consent written by a patient (or their delegate) is a
    /// ledger transaction signed by that person's own key; without them, by the node's key.
    /// </param>
    public ResourceRepository(LedgerEngine ledger, Vault.Vault vault, AccessGate gate, PersonKeys? people = null, TimeProvider? time = null)
    {
        this.ledger = ledger;
        this.vault = vault;
        this.gate = gate;
        this.people = people;
        clock = time ?? TimeProvider.System;
        _ = Task.Run(RunCommitLoopAsync);
    }

    public LedgerEngine Ledger => ledger;

    /// <summary>Told of every committed Patient version (id, resource) before the writer hears "done": the record locator (ADR 0009).</summary>
    public Action<string, Resource>? PatientCommitted { get; set; }

    /// <summary>The one door to decrypted records: every read below goes through it.</summary>
    public AccessGate Gate => gate;

    /// <summary>The latest committed version of a resource, or null if it never existed (metadata only, nothing decrypted).</summary>
    public ResourceHead? Head(string resourceType, string id)
    {
        if (!IsValidId(id))
        {
            return null;
        }

        var history = Guard(() => vault.History(resourceType, id));
        return history.Count == 0 ? null : ToHead(resourceType, id, history[0]);
    }

    /// <summary>
    /// <see cref="Head"/> of many resources, read in one vault transaction. Leaves out the ids that cannot exist and the
    /// erased resources (<see cref="Head"/> answers those: null, or 410 Gone).
    /// </summary>
    public Dictionary<(string ResourceType, string Id), ResourceHead?> Heads(IEnumerable<(string ResourceType, string Id)> resources)
    {
        List<(string ResourceType, string Id)> wanted = [.. resources.Where(r => IsValidId(r.Id)).Distinct()];
        var histories = vault.Histories(wanted);
        var heads = new Dictionary<(string, string), ResourceHead?>(wanted.Count);
        for (var i = 0; i < wanted.Count; i++)
        {
            if (histories[i] is { } history)
            {
                var (type, id) = wanted[i];
                heads[wanted[i]] = history.Count == 0 ? null : ToHead(type, id, history[0]);
            }
        }

        return heads;
    }

    /// <summary>Committed versions, newest first (metadata only).</summary>
    public IReadOnlyList<ResourceHead> History(string resourceType, string id) =>
        IsValidId(id) ? [.. Guard(() => vault.History(resourceType, id)).Select(v => ToHead(resourceType, id, v))] : [];

    /// <summary>The current version as the access layer discloses it to <paramref name="caller"/>; null if none or deleted.</summary>
    /// <exception cref="FhirProblemException">403 when the access layer refuses (audited).</exception>
    public DisclosedRecord? Read(FhirCaller caller, string resourceType, string id) =>
        IsValidId(id) ? Disclose(static s => s.gate.Read(s.caller.Who, s.caller.Context, s.resourceType, s.id), (gate, caller, resourceType, id)) : null;

    /// <summary>One version as the access layer discloses it; null if no such version or it is a delete.</summary>
    public DisclosedRecord? ReadVersion(FhirCaller caller, string resourceType, string id, int version) =>
        IsValidId(id) && version >= 1
            ? Disclose(static s => s.gate.ReadVersion(s.caller.Who, s.caller.Context, s.address), (gate, caller, address: new RecordAddress(resourceType, id, version)))
            : null;

    /// <summary>Many records for one request (a search page, includes, a history page): consent withholds some, never fails on them.</summary>
    public Disclosure ReadMany(FhirCaller caller, AccessAction action, IReadOnlyList<RecordAddress> records, string detail) =>
        records.Count == 0 ? new Disclosure([], 0) : Disclose(() => gate.ReadMany(caller.Who, caller.Context, action, records, detail));

    /// <summary>The type-level scope check before a search, history or export (403 naming the scope, audited).</summary>
    public void RequireScope(FhirCaller caller, AccessAction action, string resourceType, string detail) =>
        Disclose(() =>
        {
            gate.RequireScope(caller.Who, caller.Context, action, resourceType, detail);
            return 0;
        });

    /// <summary>The current version parsed, as disclosed to <paramref name="caller"/>.</summary>
    public Resource? ReadResource(FhirCaller caller, string resourceType, string id) =>
        Read(caller, resourceType, id) is { } disclosed ? FhirSerialization.ParseJson(disclosed.Json) : null;

    public VaultQueryResult Query(VaultQuery query) => Guard(() => vault.Query(query));

    /// <summary>The ledger leaf that carries a version's commitment, once its transaction is applied.</summary>
    public long? LeafIndexOf(byte[]? txId) =>
        txId is { Length: TxId.Length } && ledger.State.TryGetLeafIndex(TxId.FromBytes(txId), out var leaf) ? leaf : null;

    /// <summary>
    /// Writes every version in one ledger transaction, all or nothing. Sets meta.versionId and meta.lastUpdated of
    /// each written resource (the server owns them). Concurrent callers are group-committed: the writes queued while
    /// a batch is in flight go together into one vault staging, one ledger transaction and one vault commit (each
    /// caller's writes still all succeed or all fail; if the shared staging is refused, each caller is retried alone).
    /// </summary>
    public async Task<IReadOnlyList<CommittedWrite>> CommitAsync(FhirCaller caller, IReadOnlyList<ResourceWrite> writes, CancellationToken ct)
    {
        if (writes.Count == 0)
        {
            return [];
        }

        CheckShape(writes);
        var versions = Canonicalize(writes);
        Authorize(caller, writes, versions);
        var signer = await SignerForAsync(caller, writes, ct);
        ct.ThrowIfCancellationRequested();
        var request = new QueuedCommit(writes, versions, signer);
        Interlocked.Add(ref queuedRecords, writes.Count);
        // The queue is unbounded and completed only when the commit loop itself failed: then the write is refused.
        if (queue.Writer.TryWrite(request))
        {
            Volatile.Read(ref arrival)?.TrySetResult();
        }
        else
        {
            throw new InvalidOperationException("the node's commit loop stopped; nothing more can be written until the node restarts", Volatile.Read(ref loopFault));
        }

        var committed = await request.Completion.Task;
        foreach (var patientId in writes.Where(w => w.ResourceType == "Consent" && w.PatientId is not null).Select(w => w.PatientId!).Distinct(StringComparer.Ordinal))
        {
            // Before the caller hears "done": the very next request is decided with the new consents.
            gate.AfterConsentWrite(patientId);
        }

        if (PatientCommitted is { } patientCommitted)
        {
            foreach (var write in writes.Where(w => w.ResourceType == "Patient" && w.Resource is not null))
            {
                patientCommitted(write.Id, write.Resource!);
            }
        }

        return committed;
    }

    /// <summary>
    /// Each version as it will be stored: the server-owned id, meta.versionId and meta.lastUpdated set, then serialised
    /// once. The access layer judges exactly these bytes, the vault encrypts them and the ledger commits to them; done on
    /// the caller's thread, so the single vault writer does not serialise.
    /// </summary>
    private VersionToStage[] Canonicalize(IReadOnlyList<ResourceWrite> writes)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        var versions = new VersionToStage[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            var version = write.CurrentVersion + 1;
            if (write.Resource is { } resource)
            {
                resource.Id = write.Id;
                resource.Meta ??= new Meta();
                resource.Meta.VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                resource.Meta.LastUpdated = now;
                // The index's blind tokens hashed here, on the caller's thread, not on the commit loop's (Vault.PrepareIndex).
                versions[i] = new VersionToStage(FhirSerialization.ToCanonicalJson(resource), now,
                    vault.PrepareIndex(new RecordAddress(write.ResourceType, write.Id, version), write.Index));
            }
            else
            {
                versions[i] = new VersionToStage(null, now);
            }
        }

        return versions;
    }

    /// <summary>The access layer judges every write before anything is staged (all or none; each decision audited).</summary>
    private void Authorize(FhirCaller caller, IReadOnlyList<ResourceWrite> writes, VersionToStage[] versions)
    {
        var intents = new WriteIntent[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var w = writes[i];
            var action = w.IsDelete ? AccessAction.Delete : w.CurrentVersion == 0 ? AccessAction.Create : AccessAction.Update;
            intents[i] = new WriteIntent(action, w.ResourceType, w.Id, w.PatientId, versions[i].Json ?? ReadOnlyMemory<byte>.Empty);
        }

        try
        {
            gate.AuthorizeWrites(caller.Who, caller.Context, intents);
        }
        catch (AccessDeniedException e)
        {
            throw FhirProblemException.Forbidden(e);
        }
        catch (ConsentValidationException e)
        {
            throw FhirProblemException.Unprocessable(e.Problems.Select(p => $"Consent: {p}").ToList());
        }
    }

    /// <summary>
    /// A patient's (or delegate's) Consent is signed with their own custodial key, so that the ledger shows the change
    /// came from them (the ledger accepts such a key only for records of the patient it is bound to).
    /// </summary>
    private async Task<AuthorKey?> SignerForAsync(FhirCaller caller, IReadOnlyList<ResourceWrite> writes, CancellationToken ct)
    {
        var role = caller.Who.Role switch
        {
            CareLedgerRole.Patient => KeyRoles.Patient,
            CareLedgerRole.Guardian or CareLedgerRole.Caregiver => KeyRoles.Delegate,
            _ => null,
        };
        if (people is null || role is null || !writes.All(w => w.ResourceType == "Consent") || writes.Select(w => w.PatientId).Distinct().Count() != 1
            || writes[0].PatientId is not { } patientId)
        {
            return null;
        }

        return await people.GetOrRegisterAsync(caller.Who.Subject, role, vault.PseudonymFor(patientId), ledger, ct);
    }

    private static void CheckShape(IReadOnlyList<ResourceWrite> writes)
    {

        if (writes.Count > RecordsCommittedPayload.MaxRecords)
        {
            throw FhirProblemException.TooLarge(
                $"one transaction can write at most {RecordsCommittedPayload.MaxRecords} resources (one ledger transaction); this one writes {writes.Count}");
        }

        var duplicate = writes.GroupBy(w => (w.ResourceType, w.Id)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw FhirProblemException.BadRequest($"{duplicate.Key.ResourceType}/{duplicate.Key.Id} is written more than once in one transaction");
        }
    }

    /// <summary>
    /// Group commits under way at once (ADR 0021): while one waits for the ledger to make its transaction durable, the
    /// next is staged in the vault, whose writer would otherwise sit idle for the ledger's fsync. No resource is in two
    /// groups under way: a commit writing a resource of the group under way waits until that group is committed.
    /// </summary>
    private const int GroupCommitsInFlight = 2;

    /// <summary>
    /// A group is staged while another waits for the ledger only when this many records at least are queued for it: a
    /// smaller one would cost the writer a stage, an fsync and a commit of its own for little (single creates over HTTP
    /// then wait for the group under way, as before). Half a ledger transaction's records: docs/benchmarks.md, tenth round.
    /// </summary>
    private const int OverlapMinRecords = RecordsCommittedPayload.MaxRecords / 2;

    private int queuedRecords;
    private TaskCompletionSource? arrival;

    private long groups;
    private long groupsOverlapped;
    private long groupsQueuedAtStart;
    private long groupCommits;
    private long groupRecords;

    /// <summary>
    /// The commit loop's counts since the node started: groups, how many were staged while another waited for the ledger,
    /// how many found commits already queued when the loop came back for them, and the commits and records they held.
    /// </summary>
    public GroupCommitFigures GroupCommits => new(Interlocked.Read(ref groups), Interlocked.Read(ref groupsOverlapped),
        Interlocked.Read(ref groupsQueuedAtStart), Interlocked.Read(ref groupCommits), Interlocked.Read(ref groupRecords));

    /// <summary>
    /// Runs <see cref="CommitQueuedAsync"/>. A commit's failure is answered to its callers there; should the loop itself
    /// fail, every caller it holds or that is queued is answered with that failure and later writes are refused, rather
    /// than left waiting for ever (nothing they wrote was acknowledged, so nothing is lost). Groups already under way answer
    /// their own callers (<see cref="CommitGroupAsync"/> never throws).
    /// </summary>
    private async Task RunCommitLoopAsync()
    {
        var forming = new List<QueuedCommit>();
        try
        {
            await CommitQueuedAsync(forming);
        }
        catch (Exception e)
        {
            Volatile.Write(ref loopFault, e);
            queue.Writer.TryComplete(e);
            foreach (var commit in forming)
            {
                commit.Completion.TrySetException(e);
            }

            while (queue.Reader.TryRead(out var queued))
            {
                queued.Completion.TrySetException(e);
            }
        }
    }

    private async Task CommitQueuedAsync(List<QueuedCommit> forming)
    {
        var inFlight = new List<(Task Done, HashSet<(string Type, string Id)> Written)>(GroupCommitsInFlight);
        while (true)
        {
            var queuedAtStart = queue.Reader.TryPeek(out _);
            if (!await queue.Reader.WaitToReadAsync())
            {
                break;
            }

            inFlight.RemoveAll(f => f.Done.IsCompleted);
            while (inFlight.Count >= GroupCommitsInFlight)
            {
                await GroupDoneAsync(inFlight);
            }

            // Too little queued to make a group worth its own ledger transaction and commit: wait for more, or for the group
            // under way to finish.
            while (inFlight.Count > 0 && Volatile.Read(ref queuedRecords) < OverlapMinRecords)
            {
                var more = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref arrival, more);
                if (Volatile.Read(ref queuedRecords) >= OverlapMinRecords)
                {
                    break;
                }

                await GroupDoneAsync(inFlight, more.Task);
            }

            // The first commit queued writes a resource of a group under way: that group is committed first.
            while (inFlight.Count > 0 && queue.Reader.TryPeek(out var head) && WritesAny(head, inFlight))
            {
                await GroupDoneAsync(inFlight);
            }

            forming.Clear();
            var written = new HashSet<(string Type, string Id)>();
            var records = 0;
            // A commit that writes a resource another in the group (or in the group under way) writes goes in a later
            // group: one stage holds each resource once, and each resource is in one group under way at most (two callers
            // creating the same resource at once: the second is then judged on the first's version, a conflict or a no-op
            // as when they came one after the other).
            while (records < RecordsCommittedPayload.MaxRecords && queue.Reader.TryPeek(out var next)
                   && (forming.Count == 0 || (records + next.Writes.Count <= RecordsCommittedPayload.MaxRecords && next.Signer is null && forming[0].Signer is null
                       && !next.Writes.Any(w => written.Contains((w.ResourceType, w.Id)))))
                   && !WritesAny(next, inFlight)
                   && queue.Reader.TryRead(out next))
            {
                forming.Add(next);
                records += next.Writes.Count;
                Interlocked.Add(ref queuedRecords, -next.Writes.Count);
                foreach (var write in next.Writes)
                {
                    written.Add((write.ResourceType, write.Id));
                }
            }

            if (forming.Count == 0)
            {
                continue;
            }

            groups++;
            groupsOverlapped += inFlight.Count > 0 ? 1 : 0;
            groupsQueuedAtStart += queuedAtStart ? 1 : 0;
            groupCommits += forming.Count;
            groupRecords += records;
            // Runs synchronously through the vault's stage and the ledger's submission, then goes on by itself when the
            // ledger has made the transaction durable.
            inFlight.Add((CommitGroupAsync([.. forming]), written));
            forming.Clear();
        }

        await Task.WhenAll(inFlight.Select(f => f.Done));
    }

    /// <summary>Waits until a group under way is done (or <paramref name="orElse"/> completes), then drops the groups done.</summary>
    private static async Task GroupDoneAsync(List<(Task Done, HashSet<(string Type, string Id)> Written)> inFlight, Task? orElse = null)
    {
        var groupsDone = inFlight.Select(f => f.Done);
        await Task.WhenAny(orElse is null ? groupsDone : groupsDone.Append(orElse));
        inFlight.RemoveAll(f => f.Done.IsCompleted);
    }

    private static bool WritesAny(QueuedCommit commit, List<(Task Done, HashSet<(string Type, string Id)> Written)> inFlight)
    {
        foreach (var (_, written) in inFlight)
        {
            foreach (var write in commit.Writes)
            {
                if (written.Contains((write.ResourceType, write.Id)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>One group commit; never throws (each caller hears its own outcome).</summary>
    private async Task CommitGroupAsync(List<QueuedCommit> batch)
    {
        if (batch.Count == 1)
        {
            await CommitAloneAsync(batch[0]);
            return;
        }

        try
        {
            var committed = await CommitTogetherAsync([.. batch.SelectMany(c => c.Writes)], [.. batch.SelectMany(c => c.Versions)]);
            var offset = 0;
            foreach (var commit in batch)
            {
                commit.Completion.TrySetResult(committed.Skip(offset).Take(commit.Writes.Count).ToList());
                offset += commit.Writes.Count;
            }
        }
        catch (StagingRefusedException)
        {
            foreach (var commit in batch)
            {
                await CommitAloneAsync(commit);
            }
        }
        catch (Exception e)
        {
            foreach (var commit in batch)
            {
                commit.Completion.TrySetException(e);
            }
        }
    }

    private async Task CommitAloneAsync(QueuedCommit commit)
    {
        try
        {
            commit.Completion.TrySetResult(await CommitTogetherAsync(commit.Writes, commit.Versions, commit.Signer));
        }
        catch (StagingRefusedException e)
        {
            commit.Completion.TrySetException(e.InnerException!);
        }
        catch (Exception e)
        {
            commit.Completion.TrySetException(e);
        }
    }

    private async Task<IReadOnlyList<CommittedWrite>> CommitTogetherAsync(IReadOnlyList<ResourceWrite> writes, IReadOnlyList<VersionToStage> versions, AuthorKey? signer = null)
    {
        var author = signer ?? ledger.Keys.Node;
        var now = DateTimeOffset.FromUnixTimeMilliseconds(clock.GetUtcNow().ToUnixTimeMilliseconds());
        var txId = TxId.NewId(clock);
        var requests = new List<StageRequest>(writes.Count);
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            var address = new RecordAddress(write.ResourceType, write.Id, write.CurrentVersion + 1);
            requests.Add(versions[i].Json is { } json
                ? new StageRequest(address, write.PatientId, json, write.Index) { LastUpdated = versions[i].LastUpdated, PreparedIndex = versions[i].Index }
                : StageRequest.Delete(address, write.PatientId, versions[i].LastUpdated));
        }

        IReadOnlyList<StagedRecord> staged;
        try
        {
            staged = Guard(() => vault.Stage(requests, txId.ToArray()));
        }
        catch (FhirProblemException e)
        {
            throw new StagingRefusedException(e);
        }

        SubmitResult result;
        try
        {
            var payload = new RecordsCommittedPayload([.. staged.Select((s, i) =>
                new RecordCommitment(s.RecordRef, s.Patient, (uint)s.Address.Version, writes[i].Operation, s.Commitment))]);
            var transaction = new Transaction(txId, TxType.RecordsCommitted, author.Id, now, payload.Encode());
            // Not cancellable: once submitted the transaction may become durable, and then the versions must be committed.
            result = await ledger.SubmitAsync(SignedTransaction.Sign(transaction, author), CancellationToken.None);
        }
        catch (TransactionRejectedException e)
        {
            vault.Abandon(staged);
            throw e.Code == "patient-erased"
                ? FhirProblemException.Gone("the patient's data was erased; no record can be written for them")
                : FhirProblemException.Unprocessable($"the ledger refused the write ({e.Code})");
        }
        catch
        {
            vault.Abandon(staged);
            throw;
        }

        // The transaction is durable on the ledger, so recovery would commit these versions after a crash: the vault's
        // commit need not wait for its own fsync (ADR 0016). They are visible before the caller hears "done".
        vault.Commit(staged, txId.ToArray(), ledgerDurable: true);
        return [.. writes.Select((w, i) => new CommittedWrite(w, staged[i].Address.Version, versions[i].LastUpdated, result.Id, result.LeafIndex))];
    }

    /// <summary>The commit loop's counts (<see cref="GroupCommits"/>).</summary>
    public readonly record struct GroupCommitFigures(long Groups, long Overlapped, long QueuedAtStart, long Commits, long Records)
    {
        public static GroupCommitFigures operator -(GroupCommitFigures a, GroupCommitFigures b) =>
            new(a.Groups - b.Groups, a.Overlapped - b.Overlapped, a.QueuedAtStart - b.QueuedAtStart, a.Commits - b.Commits, a.Records - b.Records);

        public override string ToString() =>
            $"{Groups:N0} group commits, {Overlapped:N0} staged while another waited for the ledger, {QueuedAtStart:N0} with commits queued when the loop came back; {(Groups == 0 ? 0 : (double)Commits / Groups):F1} commits, {(Groups == 0 ? 0 : (double)Records / Groups):F0} records per group";
    }

    /// <summary>A version's canonical JSON (null for a delete) and its meta.lastUpdated, fixed before it is authorised.</summary>
    private readonly record struct VersionToStage(byte[]? Json, DateTimeOffset LastUpdated, PreparedIndex? Index = null);

    /// <summary>A caller's writes and the task that completes when they are durable (or refused).</summary>
    private sealed class QueuedCommit(IReadOnlyList<ResourceWrite> writes, VersionToStage[] versions, AuthorKey? signer)
    {
        public IReadOnlyList<ResourceWrite> Writes => writes;

        /// <summary>The bytes of each write, as authorised (one per write, same order).</summary>
        public VersionToStage[] Versions => versions;

        /// <summary>A person's key that must sign this commit alone; null for the node's key (batched with others).</summary>
        public AuthorKey? Signer => signer;

        public TaskCompletionSource<IReadOnlyList<CommittedWrite>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The vault refused to stage a batch (a version conflict or erased patient): nothing was staged.</summary>
    private sealed class StagingRefusedException(FhirProblemException inner) : Exception(inner.Message, inner);

    /// <summary>FHIR logical ids: what the vault accepts; anything else cannot exist here.</summary>
    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64)
        {
            return false;
        }

        // A loop, not LINQ's All: on every read by id, that boxed an enumerator of the string.
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static ResourceHead ToHead(string type, string id, RecordVersionInfo v) =>
        new(type, id, v.Version, v.Deleted, DateTimeOffset.FromUnixTimeMilliseconds(v.LastUpdatedUnixMs), v.TxId);

    /// <summary>The access layer's refusals become 403 OperationOutcomes that say why.</summary>
    private static T Disclose<T>(Func<T> action) => Disclose(static action => action(), action);

    // With its state passed in, a read by id makes no closure and delegate per request (a static lambda is made once).
    private static T Disclose<TState, T>(Func<TState, T> action, TState state)
    {
        try
        {
            return Guard(action, state);
        }
        catch (AccessDeniedException e)
        {
            throw FhirProblemException.Forbidden(e);
        }
    }

    /// <summary>Maps the vault's refusals to FHIR answers; its messages name records, never content.</summary>
    private static T Guard<T>(Func<T> action) => Guard(static action => action(), action);

    private static T Guard<TState, T>(Func<TState, T> action, TState state)
    {
        try
        {
            return action(state);
        }
        catch (VersionConflictException e)
        {
            throw FhirProblemException.Conflict(e.Message);
        }
        catch (RecordErasedException e)
        {
            throw FhirProblemException.Gone(e.Message);
        }
        catch (CompartmentMismatchException e)
        {
            throw FhirProblemException.Unprocessable(e.Message);
        }
        catch (VaultTamperedException e)
        {
            throw new FhirProblemException(StatusCodes.Status500InternalServerError, OperationOutcome.IssueType.Exception,
                $"integrity check failed for {e.Address}: the stored ciphertext was altered");
        }
    }
}
