using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine;

/// <summary>One item of the sequencer's queue: a transaction that passed the stateless checks, with the caller's completion.</summary>
internal sealed class Submission
{
    public Submission(SignedTransaction signed, ITransactionPayload payload, byte[] leafHash)
    {
        Signed = signed;
        Payload = payload;
        LeafHash = leafHash;
        Completion = new TaskCompletionSource<SubmitResult>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public SignedTransaction Signed { get; }

    public ITransactionPayload Payload { get; }

    public byte[] LeafHash { get; }

    public TaskCompletionSource<SubmitResult> Completion { get; }

    /// <summary>Set by the sequencer once the outcome is known; given to the caller after the batch is durable.</summary>
    public SubmitResult? Result { get; set; }
}
