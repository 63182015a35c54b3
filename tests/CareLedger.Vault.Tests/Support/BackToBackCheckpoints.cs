using CareLedger.Sqlite;

namespace CareLedger.Vault.Tests.Support;

/// <summary>
/// Tells a checkpointer, from a thread of its own and until disposed, that something was written, over and over: with a
/// policy whose every write and no interval start a round, its passes then run back to back beside whatever the test does
/// (a TRUNCATE that met one of them would get BUSY and leave erased pages in the log).
/// </summary>
internal sealed class BackToBackCheckpoints : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public BackToBackCheckpoints(SqliteWalCheckpointer checkpointer)
    {
        var stop = _stop.Token;
        _thread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                checkpointer.Written();
                Thread.Yield();
            }
        }) { IsBackground = true, Name = "test: checkpoints back to back" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
