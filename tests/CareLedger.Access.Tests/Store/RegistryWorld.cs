using System.Security.Cryptography;
using CareLedger.Access.Store;
using CareLedger.Ledger.Engine;

namespace CareLedger.Access.Tests.Store;

/// <summary>
/// A node's data directory in a temporary folder with a real ledger engine and DATA/access.db; deleted on dispose.
/// Checkpoints only on request, so tests decide when they happen.
/// </summary>
internal sealed class RegistryWorld : IAsyncDisposable
{
    private RegistryWorld(string root, LedgerEngine ledger, AccessStore store)
    {
        Root = root;
        Ledger = ledger;
        Store = store;
    }

    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public LedgerEngine Ledger { get; private set; }

    public AccessStore Store { get; private set; }

    public static async Task<RegistryWorld> CreateAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"careledger-access-{Guid.NewGuid():N}");
        var ledger = await LedgerEngine.InitializeAsync(Options(root), "test.example/careledger", "Test Hospital", CancellationToken.None);
        return new RegistryWorld(root, ledger, AccessStore.Open(Path.Combine(root, "data")));
    }

    public static byte[] NewPseudonym() => RandomNumberGenerator.GetBytes(16);

    /// <summary>Closes the ledger and access.db and opens them again from disk, as a node restart does.</summary>
    public async Task RestartAsync()
    {
        Store.Dispose();
        await Ledger.DisposeAsync();
        Ledger = await LedgerEngine.OpenAsync(Options(Root), CancellationToken.None);
        Store = AccessStore.Open(DataDirectory);
    }

    /// <summary>Closes access.db (checkpointing its WAL into the file) and the ledger, releasing their locks.</summary>
    public async Task StopAsync()
    {
        Store.Dispose();
        await Ledger.DisposeAsync();
    }

    /// <summary>Every byte of access.db and its -wal and -shm files.</summary>
    public byte[] DatabaseBytes()
    {
        var bytes = new List<byte>();
        foreach (var path in new[] { Store.DatabasePath, Store.DatabasePath + "-wal", Store.DatabasePath + "-shm" })
        {
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                bytes.AddRange(copy.ToArray());
            }
        }

        return [.. bytes];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static LedgerOptions Options(string root) => new(Path.Combine(root, "data"))
    {
        CheckpointEveryTransactions = 1_000_000,
        CheckpointInterval = TimeSpan.FromHours(1),
    };
}
