namespace CareLedger.Ledger.Engine.Ordering;

/// <summary>
/// Where a ledger's transactions are put in order (ADR 0005): the embedded in-process queue, or a consortium's
/// JetStream stream. Either way one sequencer judges, appends, fsyncs, applies and hashes what it delivers.
/// </summary>
internal interface ILedgerOrdering : IAsyncDisposable
{
    /// <summary>Starts ordering for <paramref name="engine"/>; called once, before the sequencer runs.</summary>
    void Start(LedgerEngine engine);

    /// <summary>Takes a submission that passed the stateless checks; the task ends when the submission is committed or refused.</summary>
    Task<SubmitResult> Submit(Submission submission);

    /// <summary>
    /// On the sequencer's thread: blocks until ordered messages are available and adds them to
    /// <paramref name="group"/> (about <paramref name="maxTransactions"/> transactions at most); false once ordering
    /// ended and nothing is left.
    /// </summary>
    bool WaitForMessages(List<OrderedMessage> group, int maxTransactions);

    /// <summary>On the sequencer's thread: the group is durable, applied and in the tree; answer or track its callers.</summary>
    void Applied(IReadOnlyList<OrderedMessage> group);

    /// <summary>On the checkpointer's thread: this node signed (and stored) <paramref name="note"/>; a consortium publishes it.</summary>
    void Signed(Checkpoints.SignedNote note);

    /// <summary>Completes the wait for the first checkpoint (or commit) that covers <paramref name="leafIndex"/>.</summary>
    Task WaitForCommitAsync(long leafIndex, CancellationToken ct);

    /// <summary>No more submissions; the sequencer drains what is ordered and ends.</summary>
    void Complete();

    /// <summary>Fails every waiting caller with <paramref name="stopped"/> and stops delivering messages.</summary>
    void Fail(Exception stopped);
}
