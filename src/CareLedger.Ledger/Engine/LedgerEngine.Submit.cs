using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine;

public sealed partial class LedgerEngine
{
    /// <summary>
    /// Submits a decoded transaction; completes once it is durable (fsynced) and applied, with its leaf, or with
    /// the earlier result when the same transaction was already applied. Cancelling stops the wait, not the
    /// transaction, which may still be applied.
    /// </summary>
    /// <exception cref="TransactionRejectedException">a rule refused it; nothing was written.</exception>
    public ValueTask<SubmitResult> SubmitAsync(SignedTransaction tx, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (ct.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<SubmitResult>(ct);
        }

        ThrowIfStopped();
        ITransactionPayload payload;
        try
        {
            payload = TransactionPayloads.Decode(tx.Transaction);
        }
        catch (InvalidTransactionException e)
        {
            return Rejected(RejectionCodes.BadPayload, $"{e.Message} ({e.Code})");
        }

        var spki = AuthorPublicKey(tx.Transaction, payload);
        if (spki is null)
        {
            return Rejected(RejectionCodes.UnknownAuthor, $"author key {tx.Transaction.Author} is not registered");
        }

        if (!tx.VerifySignatureOfKnownAuthor(spki))
        {
            return Rejected(RejectionCodes.BadSignature, $"the signature is not valid for author key {tx.Transaction.Author}");
        }

        var submission = new Submission(tx, payload, Rfc9162.HashLeaf(tx.Encoded.Span));
        if (!queue.Writer.TryWrite(submission))
        {
            ThrowIfStopped();
            throw new ObjectDisposedException(nameof(LedgerEngine), "the ledger engine is closing");
        }

        var completion = submission.Completion.Task;
        return new ValueTask<SubmitResult>(ct.CanBeCanceled ? completion.WaitAsync(ct) : completion);
    }

    /// <summary>
    /// The author's public key as far as signature checking goes: a registered key (revocation is a stateful
    /// rule, judged by the sequencer at the transaction's leaf), or for genesis the organisation key it registers.
    /// </summary>
    private byte[]? AuthorPublicKey(Transaction tx, ITransactionPayload payload)
    {
        if (payload is GenesisPayload genesis)
        {
            return genesis.Keys.FirstOrDefault(k => k.Key == tx.Author)?.PublicKeySpki;
        }

        return state.FindKey(tx.Author)?.PublicKeySpki;
    }

    private static ValueTask<SubmitResult> Rejected(string code, string message) =>
        ValueTask.FromException<SubmitResult>(new TransactionRejectedException(code, message));

    private void ThrowIfStopped()
    {
        if (Volatile.Read(ref failure) is { } stopped)
        {
            throw stopped;
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
    }
}
