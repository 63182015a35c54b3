using CareLedger.Fhir;
using CareLedger.Fhir.Storage;
using CareLedger.Import;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Vault;
using CareLedger.Vault.Keys;

namespace CareLedger.Node;

/// <summary>
/// One running member: the ledger engine and the vault, opened together and recovered together.
/// The vault's staged (pending) writes are settled against the ledger on every open, so a crash between
/// "ciphertext stored" and "commitment ledgered" never leaves a record visible without its transaction.
/// </summary>
internal sealed class CareLedgerNode : IAsyncDisposable
{
    private CareLedgerNode(NodePaths paths, NodeConfig config, LedgerEngine ledger, Vault.Vault vault)
    {
        Paths = paths;
        Config = config;
        Ledger = ledger;
        Vault = vault;
        Fhir = new FhirService(new ResourceRepository(ledger, vault), FhirServerOptions.Default with { ExportDirectory = paths.Export });
        Importer = new FhirImporter(Fhir, paths.ImportState);
    }

    public NodePaths Paths { get; }

    public NodeConfig Config { get; }

    public LedgerEngine Ledger { get; }

    public Vault.Vault Vault { get; }

    /// <summary>The FHIR layer over this node's vault and ledger; the HTTP API and the importer share it.</summary>
    public FhirService Fhir { get; }

    public FhirImporter Importer { get; }

    public static Task<CareLedgerNode> InitializeAsync(NodePaths paths, string origin, string organisationName, CancellationToken ct) =>
        InitializeAsync(paths, new NodeConfig { Origin = origin, OrganisationName = organisationName }, ct);

    public static async Task<CareLedgerNode> InitializeAsync(NodePaths paths, NodeConfig settings, CancellationToken ct)
    {
        if (paths.IsInitialised)
        {
            throw new CliException($"{paths.DataDirectory} already holds a CareLedger node (origin in {paths.NodeConfig}); refusing to overwrite it");
        }

        Directory.CreateDirectory(paths.DataDirectory);
        var config = settings with { CreatedAt = DateTimeOffset.UtcNow };
        var (origin, organisationName) = (config.Origin, config.OrganisationName);
        var ledger = await LedgerEngine.InitializeAsync(LedgerOptionsFor(paths, config), origin, organisationName, ct);
        var vault = OpenVault(paths);
        config.Save(paths);
        return new CareLedgerNode(paths, config, ledger, vault);
    }

    public static async Task<CareLedgerNode> OpenAsync(NodePaths paths, CancellationToken ct)
    {
        var config = NodeConfig.Load(paths);
        var ledger = await LedgerEngine.OpenAsync(LedgerOptionsFor(paths, config), ct);
        var vault = OpenVault(paths);
        vault.RecoverPending(txId => ledger.State.TryGetLeafIndex(TxId.FromBytes(txId), out _));
        FinishInterruptedErasures(ledger, vault);
        return new CareLedgerNode(paths, config, ledger, vault);
    }

    /// <summary>
    /// Erases a patient (GDPR Art. 17) by crypto-shredding: first the tombstone is made durable on the ledger (so the
    /// erasure can never be lost once acknowledged), then the vault destroys the patient's data key, salts, ciphertexts,
    /// index rows and pseudonym mapping. The ledger keeps verifying; what it holds about the patient (a random
    /// pseudonym and salted commitments) can no longer be linked or opened by anyone.
    /// </summary>
    public async Task<PatientErasure> ErasePatientAsync(string patientId, CancellationToken ct)
    {
        var pseudonym = Vault.TryGetPseudonym(patientId)
            ?? throw new KeyNotFoundException("this node holds no records of that patient; nothing was erased");
        var tombstone = SignedTransaction.Sign(
            Transaction.Create(new PatientErasedPayload(pseudonym), Ledger.Keys.Node.Id, TimeProvider.System),
            Ledger.Keys.Node);
        var committed = await Ledger.SubmitAsync(tombstone, ct);
        var shredded = Vault.Shred(patientId);
        return new PatientErasure(committed.Id, committed.LeafIndex, shredded.VersionsDestroyed, shredded.ResourcesDestroyed);
    }

    /// <summary>A crash between the tombstone and the shredding is finished here, before the node serves anything.</summary>
    private static void FinishInterruptedErasures(LedgerEngine ledger, Vault.Vault vault)
    {
        foreach (var pseudonym in vault.PatientPseudonyms())
        {
            if (ledger.State.IsPatientErased(pseudonym))
            {
                vault.ShredPseudonym(pseudonym);
            }
        }
    }

    private static LedgerOptions LedgerOptionsFor(NodePaths paths, NodeConfig config) => new(paths.DataDirectory)
    {
        CheckpointEveryTransactions = config.CheckpointEveryTransactions,
        CheckpointInterval = TimeSpan.FromMilliseconds(config.CheckpointIntervalMilliseconds),
    };

    private static Vault.Vault OpenVault(NodePaths paths) =>
        global::CareLedger.Vault.Vault.Open(new VaultOptions(paths.VaultDatabase, FileKeyring.OpenOrCreate(paths.Keyring)));

    public async ValueTask DisposeAsync()
    {
        // The ledger first: it drains acknowledged work; the vault then closes its connections.
        await Ledger.DisposeAsync();
        Vault.Dispose();
    }
}
