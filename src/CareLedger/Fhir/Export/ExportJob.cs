namespace CareLedger.Fhir.Export;

/// <summary>One bulk export: what was asked, how far it is, and the NDJSON files it produced.</summary>
public sealed class ExportJob(string id, string request, DateTimeOffset transactionTime, string directory, FhirCaller caller)
{
    private long written;

    public string Id => id;

    /// <summary>Who kicked it off: the export reads as them, and only they may poll, download or cancel it.</summary>
    public FhirCaller Caller => caller;

    public bool IsOwnedBy(FhirCaller other) => string.Equals(other.Who.Subject, caller.Who.Subject, StringComparison.Ordinal);

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
}

/// <summary>One NDJSON output file: all exported resources of one type.</summary>
public sealed record ExportFile(string Type, string FileName, long Count);
