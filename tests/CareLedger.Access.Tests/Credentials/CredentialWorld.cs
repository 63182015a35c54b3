using CareLedger.Access.Credentials;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Tests.Credentials;

/// <summary>
/// A node's data directory in a temporary folder: a real ledger, a licensing board's registry with its registered
/// credential-issuer key, and a clock the test moves. Deleted on dispose.
/// </summary>
internal sealed class CredentialWorld : IAsyncDisposable
{
    public const string BoardName = "Test Medical Board";
    public const string Practitioner = "Practitioner/dr-1";
    public static readonly PractitionerLicence Licence = new("MED-004211", "general practice");

    private CredentialWorld(string root, LedgerEngine ledger, TestClock clock)
    {
        Root = root;
        Ledger = ledger;
        Clock = clock;
        Registry = CredentialRegistry.Open(Options, ledger);
    }

    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public TestClock Clock { get; }

    public LedgerEngine Ledger { get; private set; }

    public CredentialRegistry Registry { get; private set; }

    public AuthorKey Board { get; private set; } = null!;

    public CredentialRegistryOptions Options => new(DataDirectory) { Time = Clock, BoardName = BoardName };

    public static async Task<CredentialWorld> CreateAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"careledger-credentials-{Guid.NewGuid():N}");
        var ledger = await LedgerEngine.InitializeAsync(LedgerOptions(root), "test.example/careledger", "Test Hospital", CancellationToken.None);
        var world = new CredentialWorld(root, ledger, new TestClock(DateTimeOffset.UtcNow));
        world.Board = await world.Registry.EnsureIssuerKeyAsync();
        return world;
    }

    public Task<IssuedCredential> IssueAsync(TimeSpan validFor) =>
        Registry.IssueAsync(Board, Practitioner, Licence, Clock.GetUtcNow() + validFor);

    /// <summary>Registers another key with the organisation key, as the ledger's key registry would.</summary>
    public async Task<AuthorKey> RegisterKeyAsync(string role, string label)
    {
        var key = AuthorKey.Generate();
        var organisation = Ledger.Keys.Organisation;
        await Ledger.SubmitAsync(SignedTransaction.Sign(
            Transaction.Create(new KeyRegisteredPayload(key.PublicKeySpki, role, label), organisation.Id, TimeProvider.System), organisation));
        return key;
    }

    public async Task RevokeKeyAsync(KeyId key)
    {
        var organisation = Ledger.Keys.Organisation;
        await Ledger.SubmitAsync(SignedTransaction.Sign(Transaction.Create(new KeyRevokedPayload(key), organisation.Id, TimeProvider.System), organisation));
    }

    /// <summary>Closes the registry and the ledger and opens them again from disk, as a node restart does.</summary>
    public async Task RestartAsync()
    {
        Registry.Dispose();
        await Ledger.DisposeAsync();
        Ledger = await LedgerEngine.OpenAsync(LedgerOptions(Root), CancellationToken.None);
        Registry = CredentialRegistry.Open(Options, Ledger);
        Board = await Registry.EnsureIssuerKeyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Registry.Dispose();
        await Ledger.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(Root, recursive: true);
    }

    private static LedgerOptions LedgerOptions(string root) => new(Path.Combine(root, "data"))
    {
        CheckpointEveryTransactions = 1_000_000,
        CheckpointInterval = TimeSpan.FromHours(1),
    };
}
