using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// The patient index of <c>audit.db</c> (ADR 0018): <c>audit_patient_index</c> holds (patient, time, place) of every
/// record below <c>audit_patient_merge.merged_below</c>; the records at or beyond it — the unmerged tail, the last few
/// batches — are found by a scan of that range of <c>audit_records</c>. A merge moves the tail into the index in
/// (patient, time, place) order, so that each patient's leaf page is written once per merge rather than once per
/// batch, and moves <c>merged_below</c> in the same transaction: a crash before its commit leaves the records in the
/// tail, where every query by patient still reads them.
/// </summary>
internal static class AuditPatientIndex
{
    /// <summary>The first place not in the index.</summary>
    public static long MergedBelow(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT merged_below FROM audit_patient_merge WHERE id = 0";
        return Convert.ToInt64(select.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>How many kept records of patients are in the unmerged tail.</summary>
    public static long Unmerged(SqliteConnection connection)
    {
        using var count = connection.CreateCommand();
        count.CommandText = """
            SELECT count(*) FROM audit_records NOT INDEXED
            WHERE place >= (SELECT merged_below FROM audit_patient_merge WHERE id = 0) AND patient IS NOT NULL
            """;
        return Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Merges every record below <paramref name="below"/> (a place) into the index, inside the caller's transaction
    /// (<paramref name="transaction"/>, or one the batch loop opened through its prepared statements);
    /// returns how many records were merged.
    /// </summary>
    public static int Merge(SqliteConnection connection, SqliteTransaction? transaction, long below)
    {
        var from = MergedBelow(connection, transaction);
        if (below <= from)
        {
            return 0;
        }

        using var merge = connection.CreateCommand();
        merge.Transaction = transaction;
        merge.CommandText = """
            INSERT INTO audit_patient_index (patient, time_ms, place)
            SELECT patient, time_ms, place FROM audit_records NOT INDEXED
            WHERE place >= $from AND place < $below AND patient IS NOT NULL
            ORDER BY patient, time_ms, place;
            """;
        merge.Parameters.AddWithValue("$from", from);
        merge.Parameters.AddWithValue("$below", below);
        var merged = merge.ExecuteNonQuery();
        using var mark = connection.CreateCommand();
        mark.Transaction = transaction;
        mark.CommandText = "UPDATE audit_patient_merge SET merged_below = $below WHERE id = 0";
        mark.Parameters.AddWithValue("$below", below);
        mark.ExecuteNonQuery();
        return merged;
    }
}
