using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Receipts;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Tests.Audit;

public class AuditTrailErasureTests
{
    [Fact]
    public async Task Forgetting_a_patient_destroys_their_record_bytes_and_salts_and_keeps_every_other_receipt_valid()
    {
        await using var node = await AuditTestNode.StartAsync(new AuditTrailOptions { BatchInterval = TimeSpan.FromSeconds(30) });
        var ofA = Enumerable.Range(0, 3).Select(_ => AuditRecords.Read(AuditRecords.PatientA)).ToArray();
        var ofB = AuditRecords.Read(AuditRecords.PatientB);
        foreach (var record in ofA.Append(ofB))
        {
            node.Trail.Record(record);
        }

        await node.Trail.FlushAsync();
        var batch = node.Trail.Find(ofB.Id)!.Batch;
        Assert.All(ofA, r => Assert.Equal(batch, node.Trail.Find(r.Id)!.Batch));
        var commitmentsBefore = BatchCommitments(node.DatabasePath, batch);

        var forgotten = await node.Trail.ForgetPatientAsync(AuditRecords.PatientA);

        Assert.Equal(3, forgotten);
        Assert.Empty(node.Trail.ForPatient(AuditRecords.PatientA, null, 100));
        Assert.All(ofA, r => Assert.Null(node.Trail.Find(r.Id)));
        Assert.All(ofA, r => Assert.Null(node.Trail.GetReceipt(r.Id)));
        Assert.Equal([ofB.Id], node.Trail.Query(new AuditQuery()).Select(e => e.Record.Id));
        Assert.Equal(commitmentsBefore, BatchCommitments(node.DatabasePath, batch));
        Assert.All(ofA, r => Assert.Equal((0L, true), StoredOpening(node.DatabasePath, r.Id)));
        var check = AuditReceipts.Verify(await node.ReceiptAsync(ofB.Id), node.LogVerifierKey);
        Assert.True(check.Valid, string.Join("; ", check.Problems));
        Assert.Equal(4, (await node.ReceiptAsync(ofB.Id)).BatchSize);
    }

    [Fact]
    public async Task Forgetting_refuses_a_pseudonym_of_the_wrong_length()
    {
        await using var node = await AuditTestNode.StartAsync();

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => node.Trail.ForgetPatientAsync(new byte[15]));
        Assert.Contains("16 bytes", refused.Message, StringComparison.Ordinal);
    }

    private static byte[] BatchCommitments(string databasePath, long batch)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT commitments FROM audit_batches WHERE number = $batch";
        select.Parameters.AddWithValue("$batch", batch);
        return (byte[])select.ExecuteScalar()!;
    }

    /// <summary>The length of the record's stored opening (salt and bytes) and whether its patient column is cleared.</summary>
    private static (long OpeningLength, bool PatientCleared) StoredOpening(string databasePath, Guid id)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT length(opening), patient IS NULL FROM audit_records WHERE id = $id";
        select.Parameters.AddWithValue("$id", id.ToByteArray(bigEndian: true));
        using var row = select.ExecuteReader();
        Assert.True(row.Read());
        return (row.GetInt64(0), row.GetInt64(1) == 1);
    }
}
