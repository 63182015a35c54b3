using System.Security.Cryptography;
using CareLedger.Access.Audit.Format;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Audit.Storage;

/// <summary>
/// Turns one batch of records into rows of <c>audit_records</c>: canonical bytes, a salt each (drawn for the whole
/// batch in one call of the random number generator), the opening salt ‖ bytes, its commitment, the insert (many rows
/// per statement). Owned by
/// the batch loop and reused batch after batch, so that a record costs no allocation of its own here.
/// </summary>
internal sealed class AuditBatchRows : IDisposable
{
    private const int SaltLength = AuditBatchTree.SaltLength;
    private const int CommitmentLength = AuditBatchTree.CommitmentLength;

    private readonly AuditRecordInserter inserter;
    private readonly byte[] salts;
    private readonly byte[] commitments;
    private readonly AuditSha256 sha = new();
    private byte[] opening = new byte[SaltLength + 1024];

    public AuditBatchRows(SqliteConnection writer, int maxBatch)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBatch, AuditSchema.PlacesPerBatch);
        salts = new byte[maxBatch * SaltLength];
        commitments = new byte[maxBatch * CommitmentLength];
        inserter = new AuditRecordInserter(writer);
        try
        {
            Statements = new AuditBatchStatements(writer);
        }
        catch
        {
            inserter.Dispose();
            throw;
        }
    }

    /// <summary>The statements run once a batch: its row, the mark of its anchor.</summary>
    public AuditBatchStatements Statements { get; }

    /// <summary>
    /// Inserts, inside the writer's open transaction, the records whose ids are new (a repeat, in the batch or of a
    /// kept record, is dropped: the first stays), numbered in batch order at places batch × 65,536 + index.
    /// </summary>
    /// <returns>
    /// The commitments of the kept records, 32 bytes each in batch order (valid until the next call); empty when every
    /// record was a repeat.
    /// </returns>
    public ReadOnlySpan<byte> Insert(long batch, IReadOnlyList<EncodedRecord> records)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(records.Count, salts.Length / SaltLength);
        var batchSalts = salts.AsSpan(0, records.Count * SaltLength);
        RandomNumberGenerator.Fill(batchSalts);
        var kept = 0;
        var next = 0;
        // Whole statements of rows while no id repeats (the rule: ids are random UUIDv7); from the first statement that
        // meets a repeat, one row at a time, so that the places of the kept records stay consecutive.
        const int rowsPerStatement = AuditRecordInserter.RowsPerStatement;
        while (records.Count - next >= rowsPerStatement)
        {
            for (var row = 0; row < rowsPerStatement; row++)
            {
                var record = records[next + row];
                var recordOpening = Open(record, batchSalts.Slice((next + row) * SaltLength, SaltLength));
                inserter.BindRow(row, batch * AuditSchema.PlacesPerBatch + kept + row, record, AuditWireNames.ToName(record.Outcome),
                    AuditWireNames.ToName(record.Action), recordOpening);
                AuditBatchTree.CommitOpening(sha, recordOpening, commitments.AsSpan((kept + row) * CommitmentLength, CommitmentLength));
            }

            if (!inserter.TryInsertRows())
            {
                break;
            }

            kept += rowsPerStatement;
            next += rowsPerStatement;
        }

        for (var i = next; i < records.Count; i++)
        {
            var record = records[i];
            var recordOpening = Open(record, batchSalts.Slice(i * SaltLength, SaltLength));
            if (inserter.TryInsert(batch * AuditSchema.PlacesPerBatch + kept, record, AuditWireNames.ToName(record.Outcome), AuditWireNames.ToName(record.Action), recordOpening))
            {
                AuditBatchTree.CommitOpening(sha, recordOpening, commitments.AsSpan(kept * CommitmentLength, CommitmentLength));
                kept++;
            }
        }

        return commitments.AsSpan(0, kept * CommitmentLength);
    }

    public void Dispose()
    {
        Statements.Dispose();
        inserter.Dispose();
        sha.Dispose();
    }

    /// <summary>The record's opening, salt ‖ canonical bytes, in the reused buffer (valid until the next record).</summary>
    private ReadOnlySpan<byte> Open(EncodedRecord record, ReadOnlySpan<byte> salt)
    {
        var bytes = record.Bytes;
        var length = SaltLength + bytes.Length;
        if (opening.Length < length)
        {
            opening = new byte[Math.Max(length, opening.Length * 2)];
        }

        salt.CopyTo(opening);
        bytes.CopyTo(opening.AsSpan(SaltLength));
        return opening.AsSpan(0, length);
    }
}
