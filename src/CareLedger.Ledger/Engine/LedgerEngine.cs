using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Engine.Ordering;
using CareLedger.Ledger.Log;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.Receipts;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using ReceiptFactory = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// The ledger of one member: order → validate → append + fsync → apply → Merkle → checkpoint → acknowledge.
/// Submissions are checked statelessly on the caller's thread (payload, signature, leaf hash), then handed to the
/// ordering (ADR 0005): the embedded in-process queue, or a consortium's JetStream stream. One sequencer loop takes
/// what the ordering delivers in groups: stateful rules, log append, ONE fsync for the group (group commit), the
/// state applied in one database transaction, leaf hashes appended to the tree; then the ordering answers the
/// callers (embedded: now; consortium: once a quorum cosigned a checkpoint that covers them).
/// Reads (proofs, receipts, transactions, state queries) are safe from any thread.
/// </summary>
public sealed partial class LedgerEngine : IAsyncDisposable
{
    private readonly LedgerOptions options;
    private readonly FileLog log;
    private readonly MerkleTree tree;
    private readonly LedgerState state;
    private readonly CheckpointStore checkpoints;
    private readonly TransactionRules rules;
    private readonly ILedgerOrdering ordering;
    private readonly List<AppliedTransaction> accepted = [];
    private readonly ITimer checkpointTimer;
    private readonly Task sequencer;
    private readonly Task checkpointer;
    private SignedCheckpoint? latest;
    private TaskCompletionSource checkpointSignal = NewSignal();
    private long lastCheckpointSize;
    private long lastCheckpointTimestamp;
    private Exception? failure;
    private int disposed;

    private LedgerEngine(LedgerOptions options, NodeKeys keys, FileLog log, MerkleTree tree, LedgerState state, CheckpointStore checkpoints, SignedCheckpoint? latest)
    {
        this.options = options;
        Keys = keys;
        this.log = log;
        this.tree = tree;
        this.state = state;
        this.checkpoints = checkpoints;
        this.latest = latest;
        lastCheckpointSize = latest?.Size ?? 0;
        lastCheckpointTimestamp = options.Time.GetTimestamp();
        rules = new TransactionRules(state);
        ordering = CreateOrdering();
        ordering.Start(this);
        sequencer = Task.Factory.StartNew(RunSequencer, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        checkpointer = Task.Factory.StartNew(RunCheckpointer, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // The timer signs the checkpoint of an idle log whose last transactions wait for one.
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, options.CheckpointInterval.Ticks / 2));
        checkpointTimer = options.Time.CreateTimer(static engine => ((LedgerEngine)engine!).WakeCheckpointer(), this, period, period);
    }

    public NodeKeys Keys { get; }

    /// <summary>The checkpoint origin of this log: the node's log key name, or the consortium network's origin.</summary>
    public string Origin => state.Consortium?.Origin ?? Keys.Origin;

    /// <summary>Number of durable, applied transactions (leaves of the tree).</summary>
    public long Size => tree.Size;

    /// <summary>
    /// The checkpoint that receipts are made against: this node's latest signed and cosigned checkpoint, or in a
    /// consortium the latest checkpoint a quorum of members cosigned; null before the first.
    /// </summary>
    public SignedNote? LatestCheckpoint => IsConsortium ? CommitPoint?.Note : Volatile.Read(ref latest)?.Note;

    /// <summary>The latest checkpoint this node itself signed (in a consortium: cosigned with its own key only).</summary>
    public SignedNote? LatestOwnCheckpoint => Volatile.Read(ref latest)?.Note;

    public ILedgerState State => state;

    public byte[] RootHash(long treeSize)
    {
        CheckTreeSize(treeSize);
        return tree.RootHash(treeSize);
    }

    public InclusionProof GetInclusionProof(long leafIndex, long treeSize)
    {
        CheckTreeSize(treeSize);
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, treeSize);
        return tree.GetInclusionProof(leafIndex, treeSize);
    }

    public ConsistencyProof GetConsistencyProof(long oldSize, long newSize)
    {
        CheckTreeSize(newSize);
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        return tree.GetConsistencyProof(oldSize, newSize);
    }

    public SignedTransaction ReadTransaction(long leafIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leafIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leafIndex, Size);
        return SignedTransaction.Decode(log.Read(leafIndex));
    }

    /// <summary>A receipt for the transaction, or null when it is unknown or not yet covered by a checkpoint.</summary>
    public Receipt? GetReceipt(TxId id) => state.TryGetLeafIndex(id, out var leafIndex) ? GetReceipt(leafIndex) : null;

    /// <summary>
    /// A receipt against <see cref="LatestCheckpoint"/> (in a consortium, the quorum-cosigned commit point), or null
    /// when no such checkpoint covers <paramref name="leafIndex"/> yet.
    /// </summary>
    public Receipt? GetReceipt(long leafIndex)
    {
        var (note, size) = IsConsortium
            ? CommitPoint is { } commit ? (commit.Note, commit.Size) : (null, 0)
            : Volatile.Read(ref latest) is { } own ? (own.Note, own.Size) : (null, 0);
        if (note is null || leafIndex < 0 || leafIndex >= size || size > tree.Size)
        {
            return null;
        }

        var proof = tree.GetInclusionProof(leafIndex, size);
        return ReceiptFactory.Create(log.Read(leafIndex), leafIndex, proof, note);
    }

    /// <summary>
    /// Audits a node's data directory offline (the node must not be running): see <see cref="VerifyReport"/>.
    /// A corrupted log, a bad signature, a broken rule, a tree, checkpoint or state that differs from the log
    /// are reported as the first problem, with its location.
    /// </summary>
    public static Task<VerifyReport> VerifyAsync(string dataDirectory, IProgress<VerifyProgress>? progress, CancellationToken ct) =>
        VerifyAsync(new LedgerOptions(dataDirectory), progress, ct);

    /// <summary>As <see cref="VerifyAsync(string, IProgress{VerifyProgress}?, CancellationToken)"/>, with the state where
    /// <paramref name="options"/> keeps it (its PostgreSQL schema is compared with a replay just as state.db is).</summary>
    public static Task<VerifyReport> VerifyAsync(LedgerOptions options, IProgress<VerifyProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        return Task.Run(() => LedgerVerifier.Run(options, progress, ct), ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await checkpointTimer.DisposeAsync();
        ordering.Complete();
        await sequencer;
        await checkpointer;
        await ordering.DisposeAsync();
        Interlocked.Exchange(ref checkpointSignal, NewSignal())
            .TrySetException(failure ?? new ObjectDisposedException(nameof(LedgerEngine), "the ledger engine was closed"));
        try
        {
            if (failure is null)
            {
                tree.Flush();
            }
        }
        finally
        {
            checkpoints.Dispose();
            state.Dispose();
            tree.Dispose();
            log.Dispose();
            Keys.Dispose();
        }
    }

    private void CheckTreeSize(long treeSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeSize, Size);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
