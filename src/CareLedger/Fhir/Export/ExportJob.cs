namespace CareLedger.Fhir.Export;

/// <summary>One bulk export: what was asked, how far it is, and the NDJSON files it produced.</summary>
public sealed class ExportJob(string id, string request, DateTimeOffset transactionTime, string directory, string owner)
{
    private long written;

    public string Id => id;

    /// <summary>The subject of the caller who kicked it off: only they may poll, download or cancel it.</summary>
    public bool IsOwnedBy(FhirCaller other) => string.Equals(other.Who.Subject, owner, StringComparison.Ordinal);

    public string Request => request;

    public DateTimeOffset TransactionTime => transactionTime;

    public string Directory => directory;

    public CancellationTokenSource Cancellation { get; } = new();

    public Task? Work { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public string? Error { get; set; }

    public List<ExportFile> Files { get; } = [];

    public long Written => Interlocked.Read(ref written);

    public void CountOne() => Interlocked.Increment(ref written);

    public ExportJobRecord ToRecord()
    {
        lock (Files)
        {
            return new ExportJobRecord(id, request, transactionTime, owner, CompletedAt, Error, [.. Files]);
        }
    }

    public static ExportJob FromRecord(ExportJobRecord record, string directory)
    {
        var job = new ExportJob(record.Id, record.Request, record.TransactionTime, directory, record.Owner)
        {
            CompletedAt = record.CompletedAt,
            Error = record.Error,
        };
        job.Files.AddRange(record.Files);
        return job;
    }
}

/// <summary>One NDJSON output file: all exported resources of one type.</summary>
public sealed record ExportFile(string Type, string FileName, long Count);
