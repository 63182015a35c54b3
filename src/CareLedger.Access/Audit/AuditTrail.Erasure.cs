using CareLedger.Access.Audit.Format;
using CareLedger.Access.Audit.Storage;

namespace CareLedger.Access.Audit;

public sealed partial class AuditTrail
{
    /// <summary>
    /// Erasure (GDPR Art. 17): forgets what the trail holds about a patient. The records' openings (salt and bytes) are destroyed
    /// (secure_delete, then the write-ahead log is truncated), so nothing about the patient — not even which resources
    /// were read — can be read back or linked. Their commitments stay in place, with their batches, so every batch's Merkle root, and with it
    /// every other record's receipt, still verifies; what remains on the ledger about the patient is unopenable.
    /// Records still queued are written first, then forgotten with the rest.
    /// </summary>
    /// <returns>How many records were forgotten.</returns>
    public async Task<int> ForgetPatientAsync(byte[] pseudonym, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(pseudonym);
        if (pseudonym.Length != AuditRecordCodec.PseudonymLength)
        {
            throw new ArgumentException($"a patient pseudonym is {AuditRecordCodec.PseudonymLength} bytes, not {pseudonym.Length}", nameof(pseudonym));
        }

        await FlushAsync(ct);
        // A connection of its own: the batch loop owns the writer, and SQLite serialises the two (WAL, busy timeout).
        using var connection = AuditDatabase.OpenWriter(writer.DataSource);
        AuditDatabase.Execute(connection, "PRAGMA secure_delete = ON; PRAGMA busy_timeout = 10000;");
        int forgotten;
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            // The records in the patient index, then those of the unmerged tail (ADR 0018), then the index's entries; one
            // transaction (IMMEDIATE, so that no merge moves the tail's bound in between).
            using var indexed = connection.CreateCommand();
            indexed.Transaction = transaction;
            indexed.CommandText = """
                UPDATE audit_records SET opening = X'', patient = NULL
                WHERE place IN (SELECT place FROM audit_patient_index WHERE patient = $patient) AND patient = $patient
                """;
            indexed.Parameters.AddWithValue("$patient", pseudonym);
            forgotten = indexed.ExecuteNonQuery();
            using var tail = connection.CreateCommand();
            tail.Transaction = transaction;
            tail.CommandText = """
                UPDATE audit_records NOT INDEXED SET opening = X'', patient = NULL
                WHERE place >= (SELECT merged_below FROM audit_patient_merge WHERE id = 0) AND patient = $patient
                """;
            tail.Parameters.AddWithValue("$patient", pseudonym);
            forgotten += tail.ExecuteNonQuery();
            using var entries = connection.CreateCommand();
            entries.Transaction = transaction;
            entries.CommandText = "DELETE FROM audit_patient_index WHERE patient = $patient";
            entries.Parameters.AddWithValue("$patient", pseudonym);
            entries.ExecuteNonQuery();
            transaction.Commit();
        }

        TruncateLog(connection);
        return forgotten;
    }

    /// <summary>
    /// Copies the log into the database file and truncates it to nothing, so that no earlier image of an erased page
    /// survives in it. Goes through the checkpointer (ADR 0023), so that SQLite's checkpoint lock is never found busy from
    /// this process; a TRUNCATE that still could not finish (a reader held the log past the busy timeout) is tried again,
    /// and then reported: the openings are forgotten in the database, but earlier images may remain in the log.
    /// </summary>
    private void TruncateLog(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var (busy, log, copied) = checkpointer.Truncate(connection);
            if (!busy && log == 0 && copied == 0)
            {
                return;
            }

            if (attempt == attempts)
            {
                throw new InvalidOperationException(
                    $"the erased records' openings are gone from the audit database, but its write-ahead log could not be truncated ({log} frames, {copied} copied); erase again to retry");
            }
        }
    }
}
