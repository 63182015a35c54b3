using System.Threading.Channels;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Log;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.Receipts;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using ReceiptFactory = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// The embedded ledger of one node: validate → sequence → append + fsync → apply → Merkle → checkpoint →
/// acknowledge. Submissions are checked statelessly on the caller's thread (payload, signature, leaf hash),
/// then one sequencer loop takes them in batches: stateful rules, log append, ONE fsync for the batch (group
/// commit), the state applied in one SQLite transaction, leaf hashes appended to the tree, and only then the
/// callers are answered. Checkpoints are signed by the log key and cosigned by the node's own cosigner key.
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
    private readonly Channel<Submission> queue = Channel.CreateUnbounded<Submission>(new UnboundedChannelOptions { SingleReader = true });
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
        sequencer = Task.Factory.StartNew(RunSequencer, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        checkpointer = Task.Factory.StartNew(RunCheckpointer, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        // The timer signs the checkpoint of an idle log whose last transactions wait for one.
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, options.CheckpointInterval.Ticks / 2));
        checkpointTimer = options.Time.CreateTimer(static engine => ((LedgerEngine)engine!).WakeCheckpointer(), this, period, period);
    }

    public NodeKeys Keys { get; }

    /// <summary>The checkpoint origin of this log (the name of its log key).</summary>
    public string Origin => Keys.Origin;

    /// <summary>Number of durable, applied transactions (leaves of the tree).</summary>
    public long Size => tree.Size;

    /// <summary>The most recent signed and cosigned checkpoint, or null before the first.</summary>
    public SignedNote? LatestCheckpoint => Volatile.Read(ref latest)?.Note;

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

    /// <summary>A receipt against the latest checkpoint, or null when no checkpoint covers <paramref name="leafIndex"/> yet.</summary>
    public Receipt? GetReceipt(long leafIndex)
    {
        var checkpoint = Volatile.Read(ref latest);
        if (checkpoint is null || leafIndex < 0 || leafIndex >= checkpoint.Size)
        {
            return null;
        }

        var proof = tree.GetInclusionProof(leafIndex, checkpoint.Size);
        return ReceiptFactory.Create(log.Read(leafIndex), leafIndex, proof, checkpoint.Note);
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
        queue.Writer.TryComplete();
        await sequencer;
        await checkpointer;
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
