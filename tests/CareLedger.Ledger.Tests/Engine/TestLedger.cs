using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Engine;

/// <summary>Engines in temporary directories, and the transactions tests submit to them.</summary>
internal static class TestLedger
{
    public const string Origin = "test.example/careledger";

    /// <summary>Checkpoints only when asked by count (large) or interval (an hour): tests decide when they happen.</summary>
    public static LedgerOptions QuietOptions(TempDirectory directory) => new(directory.Combine("data"))
    {
        CheckpointEveryTransactions = 1_000_000,
        CheckpointInterval = TimeSpan.FromHours(1),
    };

    public static Task<LedgerEngine> InitializeAsync(LedgerOptions options) =>
        LedgerEngine.InitializeAsync(options, Origin, "Test Hospital", CancellationToken.None);

    public static SignedTransaction Anchor(LedgerEngine engine, int contextBytes = 16) =>
        Signed(engine, new AnchorPayload("audit-event", Enumerable.Repeat((byte)0xAB, 32).ToArray(), new byte[contextBytes]));

    public static SignedTransaction Signed(LedgerEngine engine, ITransactionPayload payload) =>
        SignedTransaction.Sign(Transaction.Create(payload, engine.Keys.Node.Id, TimeProvider.System), engine.Keys.Node);

    public static async Task<List<SubmitResult>> SubmitAnchorsAsync(LedgerEngine engine, int count)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => engine.SubmitAsync(Anchor(engine)).AsTask()));
        return [.. results];
    }

    /// <summary>Waits for a condition that another thread makes true, failing after a deadline.</summary>
    public static async Task WithDeadline(Task task, int seconds = 20)
    {
        var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds)));
        Assert.True(finished == task, $"not done within {seconds} s");
        await task;
    }
}
