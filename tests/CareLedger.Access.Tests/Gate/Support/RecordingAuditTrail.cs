using CareLedger.Access.Audit;

namespace CareLedger.Access.Tests.Gate.Support;

/// <summary>An in-test audit trail (our own seam): keeps what the door records, or fails on demand.</summary>
public sealed class RecordingAuditTrail : IAuditTrail
{
    private readonly Lock _gate = new();
    private readonly List<AuditRecord> _records = [];

    /// <summary>When set, <see cref="Record"/> throws as a stopped trail does.</summary>
    public bool Failing { get; set; }

    public IReadOnlyList<AuditRecord> Records
    {
        get
        {
            lock (_gate)
            {
                return [.. _records];
            }
        }
    }

    public AuditRecord Last => Records[^1];

    public int Count => Records.Count;

    public void Record(AuditRecord record)
    {
        if (Failing)
        {
            throw new InvalidOperationException("the audit trail is stopped");
        }

        lock (_gate)
        {
            _records.Add(record);
        }
    }

    /// <summary>The records added since <paramref name="count"/> records were there.</summary>
    public IReadOnlyList<AuditRecord> Since(int count) => [.. Records.Skip(count)];
}
