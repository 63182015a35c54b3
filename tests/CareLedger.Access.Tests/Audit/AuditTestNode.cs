using CareLedger.Access.Audit;
using CareLedger.Ledger.Engine;

namespace CareLedger.Access.Tests.Audit;

/// <summary>A real ledger engine and audit trail in a temporary directory, removed on dispose.</summary>
internal sealed class AuditTestNode : IAsyncDisposable
{
    public const string Origin = "audit.test.example/careledger";

    /// <summary>Options under which the patient index is never merged unless a test asks for one (ADR 0018).</summary>
    public static readonly AuditTrailOptions NeverMerged = new()
    {
        BatchInterval = TimeSpan.FromSeconds(30),
        PatientIndexMergeRecords = int.MaxValue,
        PatientIndexIdleMerge = TimeSpan.FromDays(1),
    };

    private AuditTestNode(string directory, LedgerEngine ledger, AuditTrail trail)
    {
        Directory = directory;
        Ledger = ledger;
        Trail = trail;
    }

    public string Directory { get; }

    public LedgerEngine Ledger { get; private set; }

    public AuditTrail Trail { get; private set; }

    public string DatabasePath => Path.Combine(Directory, "data", "audit.db");

    public string LogVerifierKey => Ledger.Keys.Log.VerifierKey.ToVkey();

    /// <summary>Checkpoints follow quickly, so that receipts are available soon after anchoring.</summary>
    private static LedgerOptions LedgerOptionsFor(string directory) =>
        new(Path.Combine(directory, "data")) { CheckpointInterval = TimeSpan.FromMilliseconds(20) };

    public static async Task<AuditTestNode> StartAsync(AuditTrailOptions? options = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"careledger-audit-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        var ledger = await LedgerEngine.InitializeAsync(
            LedgerOptionsFor(directory),
            Origin,
            "Audit Test Hospital",
            CancellationToken.None);
        return new AuditTestNode(directory, ledger, AuditTrail.Open(Path.Combine(directory, "data", "audit.db"), ledger, options));
    }

    /// <summary>Closes the trail (the ledger stays open) and opens it again over the same database.</summary>
    public async Task ReopenTrailAsync(AuditTrailOptions? options = null)
    {
        await Trail.DisposeAsync();
        Trail = AuditTrail.Open(DatabasePath, Ledger, options);
    }

    /// <summary>Closes trail and ledger, then opens both again, as a node restart does.</summary>
    public async Task RestartAsync(AuditTrailOptions? options = null)
    {
        await Trail.DisposeAsync();
        await Ledger.DisposeAsync();
        Ledger = await LedgerEngine.OpenAsync(LedgerOptionsFor(Directory), CancellationToken.None);
        Trail = AuditTrail.Open(DatabasePath, Ledger, options);
    }

    /// <summary>The receipt of a record, once the ledger has signed a checkpoint covering its anchor.</summary>
    /// <summary>Records every one of <paramref name="records"/> and waits until they are written and anchored.</summary>
    public async Task RecordAsync(IEnumerable<AuditRecord> records)
    {
        foreach (var record in records)
        {
            Trail.Record(record);
        }

        await Trail.FlushAsync();
    }

    public async Task<CareLedger.Access.Audit.Receipts.AuditReceipt> ReceiptAsync(Guid id)
    {
        var entry = Trail.Find(id) ?? throw new InvalidOperationException($"audit record {id} is not written");
        var leaf = entry.LeafIndex ?? throw new InvalidOperationException($"audit record {id} is not anchored");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Ledger.WaitForCheckpointAsync(leaf, deadline.Token);
        return Trail.GetReceipt(id) ?? throw new InvalidOperationException($"no receipt for audit record {id}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Trail.DisposeAsync();
            await Ledger.DisposeAsync();
        }
        finally
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
