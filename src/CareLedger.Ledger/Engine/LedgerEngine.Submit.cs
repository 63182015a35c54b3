using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine;

public sealed partial class LedgerEngine
{
    /// <summary>
    /// Submits a decoded transaction; completes once it is committed — durable (fsynced) and applied on this node,
    /// and in a consortium covered by a checkpoint that a quorum of members cosigned — with its leaf, or with the
    /// earlier result when the same transaction was already applied. Cancelling stops the wait, not the
    /// transaction, which may still be applied.
    /// </summary>
    /// <exception cref="TransactionRejectedException">a rule refused it; nothing was written.</exception>
    /// <exception cref="LedgerHaltedException">this consortium member raised an alarm and accepts no writes.</exception>
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

        var completion = ordering.Submit(new Submission(tx, payload, Rfc9162.HashLeaf(tx.Encoded.Span)));
        return new ValueTask<SubmitResult>(ct.CanBeCanceled ? completion.WaitAsync(ct) : completion);
    }

    /// <summary>
    /// The author's public key as far as signature checking goes: a registered key (revocation is a stateful
    /// rule, judged by the sequencer at the transaction's leaf), or for a genesis the organisation key it registers.
    /// </summary>
    private byte[]? AuthorPublicKey(Transaction tx, ITransactionPayload payload) => payload switch
    {
        GenesisPayload genesis => genesis.Keys.FirstOrDefault(k => k.Key == tx.Author)?.PublicKeySpki,
        ConsortiumGenesisPayload network => network.Members.FirstOrDefault(m => m.OrganisationKey == tx.Author)?.OrganisationKeySpki,
        _ => state.FindKey(tx.Author)?.PublicKeySpki,
    };

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

    /// <summary>Why a submission cannot be taken any more: the failure or alarm that stopped the engine, or its closing.</summary>
    internal Exception Unavailable() =>
        Volatile.Read(ref failure) ?? new ObjectDisposedException(nameof(LedgerEngine), "the ledger engine is closing");
}
