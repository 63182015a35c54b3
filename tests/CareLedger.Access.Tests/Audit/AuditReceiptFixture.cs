using CareLedger.Access.Audit;
using CareLedger.Access.Audit.Receipts;

namespace CareLedger.Access.Tests.Audit;

/// <summary>One anchored batch of five records and the receipt of the third, shared by the receipt tests.</summary>
public sealed class AuditReceiptFixture : IAsyncLifetime
{
    private AuditTestNode? node;

    public AuditRecord Record { get; private set; } = null!;

    public string ReceiptJson { get; private set; } = "";

    public string LogVerifierKey { get; private set; } = "";

    public AuditReceipt Receipt => AuditReceipts.Parse(ReceiptJson);

    public async Task InitializeAsync()
    {
        node = await AuditTestNode.StartAsync();
        var records = Enumerable.Range(0, 5).Select(_ => AuditRecords.Read(AuditRecords.PatientA)).ToArray();
        foreach (var record in records)
        {
            node.Trail.Record(record);
        }

        await node.Trail.FlushAsync();
        Record = records[2];
        ReceiptJson = AuditReceipts.ToJson(await node.ReceiptAsync(Record.Id));
        LogVerifierKey = node.LogVerifierKey;
    }

    public async Task DisposeAsync()
    {
        if (node is not null)
        {
            await node.DisposeAsync();
        }
    }
}
