using System.Text;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ai;

/// <summary>
/// The AI's facts on the ledger: <c>Anchor</c> transactions signed by the node key, each a kind, a 32-byte digest and a
/// context (the model id). The digest commits to the fact; what it commits to stays in the node's files.
/// </summary>
internal static class LedgerAnchors
{
    /// <summary>Registration of a model: digest = SHA-256 of the model card's canonical JSON.</summary>
    public const string ModelCard = "model-card";

    /// <summary>A signed decision to deploy a model that failed the gate: digest = SHA-256 of the override's signing payload.</summary>
    public const string GateOverride = "model-gate-override";

    /// <summary>One prediction: digest = SHA-256(model hash ‖ salted input commitment ‖ output), see <see cref="Inference.InferenceCommitment"/>.</summary>
    public const string Inference = "inference";

    public static async Task<SubmitResult> SubmitAsync(LedgerEngine ledger, string kind, byte[] digest, string modelId, TimeProvider time, CancellationToken ct)
    {
        var key = ledger.Keys.Node;
        var tx = SignedTransaction.Sign(Transaction.Create(new AnchorPayload(kind, digest, Encoding.UTF8.GetBytes(modelId)), key.Id, time), key);
        return await ledger.SubmitAsync(tx, ct);
    }

    /// <summary>Null when the transaction at <paramref name="leafIndex"/> is that anchor; otherwise what differs.</summary>
    public static string? Check(LedgerEngine ledger, string transaction, long leafIndex, string kind, ReadOnlySpan<byte> digest, string modelId)
    {
        if (!TxId.TryParse(transaction, out var id))
        {
            return $"'{transaction}' is not a transaction id";
        }

        if (!ledger.State.TryGetLeafIndex(id, out var leaf))
        {
            return $"transaction {transaction} is not on the ledger";
        }

        if (leaf != leafIndex)
        {
            return $"transaction {transaction} is at leaf {leaf}, not at the recorded leaf {leafIndex}";
        }

        var tx = ledger.ReadTransaction(leaf).Transaction;
        if (tx.Type != TxType.Anchor || TransactionPayloads.Decode(tx) is not AnchorPayload anchor)
        {
            return $"the transaction at leaf {leaf} is a {tx.Type}, not an anchor";
        }

        if (!string.Equals(anchor.Kind, kind, StringComparison.Ordinal))
        {
            return $"the anchor at leaf {leaf} is of kind '{anchor.Kind}', not '{kind}'";
        }

        if (!anchor.Context.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(modelId)))
        {
            return $"the anchor at leaf {leaf} names another model";
        }

        return anchor.Digest.AsSpan().SequenceEqual(digest)
            ? null
            : $"the anchor at leaf {leaf} holds digest {Convert.ToHexStringLower(anchor.Digest)}, not {Convert.ToHexStringLower(digest)}";
    }
}
