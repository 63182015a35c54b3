using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Store;

public sealed partial class AccessStore
{
    /// <summary>
    /// Submits every anchor recorded but not yet on the ledger (the node stopped between the two); the stored signed bytes
    /// are resubmitted unchanged, so an anchor the ledger already holds is answered with its earlier leaf. Call on open.
    /// </summary>
    /// <returns>How many anchors were pending.</returns>
    /// <exception cref="TransactionRejectedException">the ledger refused a pending anchor; it stays pending.</exception>
    public async Task<int> AnchorPendingAsync(LedgerEngine ledger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var pending = Read(c =>
        {
            using var command = Sql.Command(c, null, "SELECT signed_tx FROM ledger_anchors WHERE leaf IS NULL ORDER BY tx_id");
            using var reader = command.ExecuteReader();
            var transactions = new List<SignedTransaction>();
            while (reader.Read())
            {
                transactions.Add(SignedTransaction.Decode(reader.GetFieldValue<byte[]>(0)));
            }

            return transactions;
        });
        foreach (var tx in pending)
        {
            await SubmitAnchorAsync(ledger, tx, ct);
        }

        return pending.Count;
    }

    /// <summary>The anchors of one grant, in the order they were recorded.</summary>
    public IReadOnlyList<LedgerAnchor> AnchorsOf(Guid subjectId) => Read(c =>
    {
        using var command = Sql.Command(c, null, "SELECT event, tx_id, leaf FROM ledger_anchors WHERE subject_id = $subject ORDER BY tx_id")
            .With("$subject", subjectId.Bytes());
        using var reader = command.ExecuteReader();
        var anchors = new List<LedgerAnchor>();
        while (reader.Read())
        {
            anchors.Add(new LedgerAnchor(reader.GetString(0), TxId.FromBytes(reader.GetFieldValue<byte[]>(1)), reader.IsDBNull(2) ? null : reader.GetInt64(2)));
        }

        return anchors;
    });

    /// <summary>An <c>Anchor</c> transaction of <paramref name="kind"/> whose context is the subject's id (16 bytes, big-endian).</summary>
    internal static SignedTransaction SignAnchor(string kind, byte[] digest, Guid subjectId, AuthorKey signer, TimeProvider time) =>
        SignedTransaction.Sign(Transaction.Create(new AnchorPayload(kind, digest, subjectId.Bytes()), signer.Id, time), signer);

    /// <summary>Records a signed anchor in the caller's transaction, before it is submitted.</summary>
    internal static void AddPendingAnchor(SqliteConnection connection, SqliteTransaction transaction, Guid subjectId, string anchorEvent, SignedTransaction tx)
    {
        using var command = Sql.Command(connection, transaction,
                "INSERT INTO ledger_anchors (tx_id, subject_id, event, signed_tx, leaf) VALUES ($tx, $subject, $event, $signed, NULL)")
            .With("$tx", tx.Transaction.Id.ToArray())
            .With("$subject", subjectId.Bytes())
            .With("$event", anchorEvent)
            .With("$signed", tx.Encoded.ToArray());
        command.ExecuteNonQuery();
    }

    /// <summary>Removes an anchor the ledger refused, with the rows it anchored (in the caller's transaction).</summary>
    internal static void RemoveAnchor(SqliteConnection connection, SqliteTransaction transaction, TxId id)
    {
        using var command = Sql.Command(connection, transaction, "DELETE FROM ledger_anchors WHERE tx_id = $tx").With("$tx", id.ToArray());
        command.ExecuteNonQuery();
    }

    /// <summary>Submits a recorded anchor and records its leaf; a refusal leaves it recorded for the caller to undo.</summary>
    internal async Task<long> SubmitAnchorAsync(LedgerEngine ledger, SignedTransaction tx, CancellationToken ct)
    {
        var result = await ledger.SubmitAsync(tx, ct);
        Write((c, t) =>
        {
            using var command = Sql.Command(c, t, "UPDATE ledger_anchors SET leaf = $leaf WHERE tx_id = $tx")
                .With("$leaf", result.LeafIndex)
                .With("$tx", tx.Transaction.Id.ToArray());
            command.ExecuteNonQuery();
        });
        return result.LeafIndex;
    }
}
