using System.Collections.Concurrent;

namespace CareLedger.Vault.Storage;

/// <summary>
/// Reader sessions with their prepared statements, reused across calls; they read while the one writer writes (WAL
/// on SQLite, MVCC on PostgreSQL). At most <c>maxIdle</c> are kept open between calls.
/// </summary>
internal sealed class ReaderPool : IDisposable
{
    private readonly ConcurrentBag<StatementCache> _idle = [];
    private readonly VaultDatabase _database;
    private readonly int _maxIdle;
    private int _idleCount;
    private volatile bool _disposed;

    public ReaderPool(VaultDatabase database, int maxIdle)
    {
        _database = database;
        _maxIdle = maxIdle;
    }

    public T Read<T>(Func<StatementCache, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var reader = Rent();
        try
        {
            return work(reader);
        }
        finally
        {
            Return(reader);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private StatementCache Rent()
    {
        if (_idle.TryTake(out var reader))
        {
            Interlocked.Decrement(ref _idleCount);
            return reader;
        }

        return new StatementCache(_database.OpenReader(), _database);
    }

    private void Return(StatementCache reader)
    {
        if (_disposed || Interlocked.Increment(ref _idleCount) > _maxIdle)
        {
            if (!_disposed)
            {
                Interlocked.Decrement(ref _idleCount);
            }

            reader.Dispose();
            return;
        }

        _idle.Add(reader);
        if (_disposed && _idle.TryTake(out var late))
        {
            late.Dispose();
        }
    }
}
