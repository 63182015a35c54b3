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

    /// <summary>The node's deployment gate thresholds: digest = SHA-256 of the policy's canonical JSON; context <c>gate-policy</c>.</summary>
    public const string GatePolicy = "model-gate-policy";

    /// <summary>One prediction: digest = SHA-256(model hash ‖ salted input commitment ‖ output), see <see cref="Inference.InferenceCommitment"/>.</summary>
    public const string Inference = "inference";

    /// <param name="context">The model id (or <c>gate-policy</c> for the node's gate): never anything about a patient.</param>
    public static async Task<SubmitResult> SubmitAsync(LedgerEngine ledger, string kind, byte[] digest, string context, TimeProvider time, CancellationToken ct)
    {
        var key = ledger.Keys.Node;
        var tx = SignedTransaction.Sign(Transaction.Create(new AnchorPayload(kind, digest, Encoding.UTF8.GetBytes(context)), key.Id, time), key);
        return await ledger.SubmitAsync(tx, ct);
    }

    /// <summary>Null when the transaction at <paramref name="leafIndex"/> is that anchor; otherwise what differs.</summary>
    public static string? Check(LedgerEngine ledger, string transaction, long leafIndex, string kind, ReadOnlySpan<byte> digest, string context)
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

        if (!anchor.Context.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(context)))
        {
            return $"the anchor at leaf {leaf} is about '{Encoding.UTF8.GetString(anchor.Context)}', not '{context}'";
        }

        return anchor.Digest.AsSpan().SequenceEqual(digest)
            ? null
            : $"the anchor at leaf {leaf} holds digest {Convert.ToHexStringLower(anchor.Digest)}, not {Convert.ToHexStringLower(digest)}";
    }
}
