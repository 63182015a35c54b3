using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CareLedger.IO;
using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Engine.Ordering;
using CareLedger.Ledger.State;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// A consortium member (ADR 0005): its ordering is the network's JetStream stream, its checkpoints are cosigned at
/// the sizes the stream makes due, its transactions are committed by a quorum of cosignatures, and evidence of a
/// divergent or equivocating member, or of a stream that contradicts its log, halts its writes.
/// </summary>
public sealed partial class LedgerEngine
{
    private CheckpointSchedule? schedule;
    private ImmutableArray<LedgerAlarm> alarms = [];

    /// <summary>Whether this log belongs to a consortium network (its genesis is a consortium genesis).</summary>
    public bool IsConsortium => state.Consortium is not null;

    /// <summary>This node's name in its consortium's member set, or null for a single node.</summary>
    public string? MemberName { get; private set; }

    /// <summary>The latest checkpoint a quorum of members cosigned (null for a single node, or before the first).</summary>
    public CommitPoint? CommitPoint => (ordering as JetStreamOrdering)?.CommitPoint;

    /// <summary>Where this member stands in its network (null for a single node).</summary>
    public ConsortiumStatus? ConsortiumStatus => (ordering as JetStreamOrdering)?.Status();

    /// <summary>Every alarm raised since the engine was opened; the first one halted writes.</summary>
    public IReadOnlyList<LedgerAlarm> Alarms => alarms;

    /// <summary>Raised on the thread that found the evidence; handlers must not block.</summary>
    public event Action<LedgerAlarm>? AlarmRaised;

    private ILedgerOrdering CreateOrdering()
    {
        if (state.Consortium is not { } terms)
        {
            return options.Consortium is null
                ? new EmbeddedOrdering()
                : throw new LedgerStateException("this node is not a consortium member (its log begins with a single node's genesis); open it without NATS servers");
        }

        var consortium = options.Consortium
            ?? throw new LedgerStateException($"this node is a member of the consortium network '{terms.Network}': it needs the network's NATS servers to run");
        var ownKey = Keys.Cosigner.VerifierKey.ToVkey();
        MemberName = state.MembersAt(long.MaxValue).FirstOrDefault(m => m.CosignerVerifierKey == ownKey)?.Name
            ?? throw new LedgerStateException($"this node's cosigner key ({ownKey}) is not the key of a member of network '{terms.Network}'");
        var position = state.Position ?? OrderingPosition.AfterGenesis;
        schedule = new CheckpointSchedule(terms.CheckpointEvery, terms.CheckpointIntervalMs, position.CheckpointSize, position.CheckpointStreamMs);
        if (schedule.Size > lastCheckpointSize && schedule.Size <= tree.Size)
        {
            // Decided before the node stopped, not signed yet (or the genesis checkpoint of a member that just joined).
            dueCheckpointSize = schedule.Size;
        }

        return new JetStreamOrdering(consortium, terms, MemberName, position, log.Count > state.AppliedCount, options.Time);
    }

    /// <summary>The size of the last checkpoint the stream made due (read from other threads: a racy but atomic read).</summary>
    internal long DecidedCheckpointSize => schedule?.Size ?? 0;

    /// <summary>Where the stream must be read from, and the checks a resumed stream must pass.</summary>
    internal OrderingPosition StreamPosition => state.Position ?? OrderingPosition.AfterGenesis;

    /// <summary>This member's root at <paramref name="treeSize"/>, or null when its tree is not that large yet.</summary>
    internal byte[]? LocalRoot(long treeSize)
    {
        try
        {
            return treeSize >= 0 && treeSize <= tree.Size ? tree.RootHash(treeSize) : null;
        }
        catch (ArgumentOutOfRangeException)
        {
            // A rollback (ADR 0005) cut the tree between the two reads: it is not that large any more.
            return null;
        }
    }

    /// <summary>Whether a consistency proof from this member's tree leads from (old size, old root) to (new size, new root); true when its tree is too small to judge.</summary>
    internal bool IsConsistent(long oldSize, byte[] oldRoot, long newSize, byte[] newRoot)
    {
        if (newSize > tree.Size || oldSize <= 0 || oldSize > newSize)
        {
            return true;
        }

        return tree.GetConsistencyProof(oldSize, newSize).Verify(oldRoot, newRoot);
    }

    /// <summary>The root this member saw <paramref name="memberName"/> cosign first for <paramref name="size"/>, or null (also for a single node).</summary>
    internal byte[]? CosignedRootSeen(string memberName, long size) => (ordering as JetStreamOrdering)?.CosignedRootSeen(memberName, size);

    /// <summary>The member set that judges checkpoints of <paramref name="treeSize"/> leaves.</summary>
    internal IReadOnlyList<ConsortiumMember> CosignersAt(long treeSize) => [.. state.MembersAt(treeSize).Select(m => m.ToCosigner())];

    /// <summary>Stores a commit point durably before it is served.</summary>
    internal void StoreCommit(CommitPoint commit) => checkpoints.AppendCommit(new SignedCheckpoint(commit.Note, commit.Checkpoint));

    /// <summary>The commit point stored before the node stopped, or null.</summary>
    internal SignedCheckpoint? StoredCommit() => checkpoints.LatestCommit();

    internal LedgerAlarm StreamContradiction(string description) =>
        new(LedgerAlarm.StreamContradictsLog, null, description, options.Time.GetUtcNow(), []);

    /// <summary>
    /// Records the alarm, refuses every write from now on, stops consuming and cosigning (the files stay as they are,
    /// for investigation), writes the evidence to DATA/consortium/evidence/ and tells the node (log line, health, metric).
    /// </summary>
    internal LedgerHaltedException Halt(LedgerAlarm alarm)
    {
        var halted = new LedgerHaltedException(alarm);
        Interlocked.CompareExchange(ref failure, halted, null);
        // The evidence is on disk before the alarm is served: whoever reads the alarm finds its file.
        SaveEvidence(alarm);
        ImmutableInterlocked.Update(ref alarms, list => list.Add(alarm));
        try
        {
            AlarmRaised?.Invoke(alarm);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The alarm is recorded and served by the engine; a failing listener must not hide it.
        }

        ordering.Fail(Volatile.Read(ref failure)!);
        Interlocked.Exchange(ref checkpointSignal, NewSignal()).TrySetException(halted);
        return halted;
    }

    private void SaveEvidence(LedgerAlarm alarm)
    {
        try
        {
            var directory = LedgerLayout.Evidence(options.DataDirectory);
            Directory.CreateDirectory(directory);
            var name = new StringBuilder(alarm.RaisedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture)).Append('-').Append(alarm.Kind);
            if (alarm.Member is { } member)
            {
                name.Append('-').Append(string.Concat(member.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')));
            }

            var path = Path.Combine(directory, name + ".json");
            SecureFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(alarm, EvidenceJson));
        }
        catch (IOException)
        {
            // The alarm stays in memory, on /health and in the log line; the file is a copy for the operator.
        }
    }

    private static readonly JsonSerializerOptions EvidenceJson = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
