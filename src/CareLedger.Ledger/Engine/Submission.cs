using CareLedger.Ledger.Engine.Ordering;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine;

/// <summary>A local caller's transaction that passed the stateless checks, with the caller's completion.</summary>
internal sealed class Submission(SignedTransaction signed, ITransactionPayload payload, byte[] leafHash)
    : OrderedEntry(signed, payload, leafHash, signatureVerified: true)
{
    public new SignedTransaction Signed => base.Signed!;

    public TaskCompletionSource<SubmitResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
