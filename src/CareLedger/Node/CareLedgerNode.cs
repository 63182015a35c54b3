using CareLedger.Access.Audit;
using CareLedger.Access.BreakGlass;
using CareLedger.Access.Credentials;
using CareLedger.Access.Delegation;
using CareLedger.Access.Gate;
using CareLedger.Access.Notifications;
using CareLedger.Access.People;
using CareLedger.Access.Store;
using CareLedger.Ai.Inference;
using CareLedger.Fhir;
using CareLedger.Fhir.Storage;
using CareLedger.Import;
using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Consortium.Bootstrap;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;
using CareLedger.Locator;
using CareLedger.Storage;
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
    private CareLedgerNode(NodePaths paths, NodeConfig config, LedgerEngine ledger, Vault.Vault vault, FhirServerOptions? fhir)
    {
        Paths = paths;
        Config = config;
        Ledger = ledger;
        Vault = vault;
        Audit = AuditTrail.Open(paths.AuditDatabase, ledger);
        AccessStore = AccessStore.Open(paths.DataDirectory);
        Credentials = CredentialRegistry.Open(new CredentialRegistryOptions(paths.DataDirectory) { BoardName = config.OrganisationName + " licensing board" }, ledger);
        People = new PersonKeys(paths.DataDirectory);
        // A clinician breaking the glass signs the opening with their own practitioner key (registered the first time).
        // Not cancellable: the opening is part of a decision that must be recorded before anything is disclosed.
        BreakGlass = new BreakGlassRegistry(AccessStore, ledger, signerFor: who =>
            Task.Run(() => People.GetOrRegisterOwnAsync(who.Subject, KeyRoles.Practitioner, ledger, CancellationToken.None)).GetAwaiter().GetResult());
        Notifications = new NotificationBox(AccessStore);
        Delegations = new DelegationRegistry(AccessStore, ledger);
        Inferences = InferenceLog.Open(paths.DataDirectory);
        Gate = new AccessGate(vault, config.GateOptions(), Audit, Credentials, BreakGlass, Delegations, TimeProvider.System);
        Fhir = new FhirService(new ResourceRepository(ledger, vault, Gate, People), fhir ?? FhirServerOptions.Default with { ExportDirectory = paths.Export });
        Importer = new FhirImporter(Fhir, paths.ImportState, FhirCaller.Custodian(config.OrganisationName, FhirImporter.Subject));
        Locator = RecordLocator.Open(paths.DataDirectory, ledger);
        if (Locator is { } locator)
        {
            Fhir.Repository.PatientCommitted = locator.PatientCommitted;
            // After a rotation of the locator key, the locator names its patients again from their records, read through
            // the door as the custodian; a patient no longer held (erased) is forgotten.
            var custodian = FhirCaller.Custodian(config.OrganisationName, "record-locator");
            locator.IdentifiersOf = patientId =>
            {
                try
                {
                    var (json, _) = Fhir.Read(custodian, "Patient", patientId);
                    return [.. ((Hl7.Fhir.Model.Patient)CareLedger.Fhir.Validation.FhirSerialization.ParseJson(json)).Identifier
                        .Where(i => i.System == locator.Key.IdentifierSystem && !string.IsNullOrWhiteSpace(i.Value)).Select(i => i.Value!)];
                }
                catch (CareLedger.Fhir.Errors.FhirProblemException e) when (e.Status is StatusCodes.Status404NotFound or StatusCodes.Status410Gone)
                {
                    return null;
                }
            };
        }
    }

    public NodePaths Paths { get; }

    public NodeConfig Config { get; }

    public LedgerEngine Ledger { get; }

    /// <summary>Opened here, read only through <see cref="Gate"/> (the node cannot call the vault's decrypting reads).</summary>
    public Vault.Vault Vault { get; }

    /// <summary>The one door to patient data: every disclosure is decided and audited there.</summary>
    public AccessGate Gate { get; }

    /// <summary>Every decision of the door, kept in DATA/audit.db and anchored on the ledger in batches.</summary>
    public AuditTrail Audit { get; }

    public AccessStore AccessStore { get; }

    public CredentialRegistry Credentials { get; }

    public BreakGlassRegistry BreakGlass { get; }

    public NotificationBox Notifications { get; }

    public DelegationRegistry Delegations { get; }

    /// <summary>
    /// Custodial author keys of people: patients and delegates (their consents and delegations are signed with them),
    /// practitioners (their break-glass openings; their licences name them) and researchers.
    /// </summary>
    public PersonKeys People { get; }

    /// <summary>The FHIR layer over the door, the vault and the ledger; the HTTP API and the importer share it.</summary>
    public FhirService Fhir { get; }

    public FhirImporter Importer { get; }

    /// <summary>The record locator (F3, ADR 0009); null when the node holds no network locator key.</summary>
    public RecordLocator? Locator { get; }

    /// <summary>The sealed openings of the AI's inference anchors (DATA/inferences.db); erasure forgets a patient's.</summary>
    public InferenceLog Inferences { get; }

    public static Task<CareLedgerNode> InitializeAsync(NodePaths paths, string origin, string organisationName, CancellationToken ct) =>
        InitializeAsync(paths, new NodeConfig { Origin = origin, OrganisationName = organisationName }, ct);

    /// <param name="fhir">Limits of the FHIR layer; null for the defaults (tests narrow them).</param>
    public static async Task<CareLedgerNode> InitializeAsync(NodePaths paths, NodeConfig settings, CancellationToken ct, FhirServerOptions? fhir = null)
    {
        if (paths.IsInitialised)
        {
            throw new CliException($"{paths.DataDirectory} already holds a CareLedger node (origin in {paths.NodeConfig}); refusing to overwrite it");
        }

        if (settings.PostgresStore() is { } postgres)
        {
            // Before any file is made: a server that cannot be reached, or a schema another node already uses, stops here.
            if (PostgresSessions.TablesIn(postgres) is > 0 and var tables)
            {
                throw new CliException($"{postgres.Describe()} already holds {tables} tables (another node's?); choose another --postgres-schema or drop that schema");
            }
        }

        Directory.CreateDirectory(paths.DataDirectory);
        var config = settings with { CreatedAt = DateTimeOffset.UtcNow };
        var (origin, organisationName) = (config.Origin, config.OrganisationName);
        var ledger = await LedgerEngine.InitializeAsync(LedgerOptionsFor(paths, config), origin, organisationName, ct);
        var vault = OpenVault(paths, config);
        config.Save(paths);
        return new CareLedgerNode(paths, config, ledger, vault, fhir);
    }

    /// <summary>
    /// Makes a data directory whose member keys exist (<c>careledger consortium keys</c>) a member of the network that
    /// <paramref name="genesis"/> founds: the genesis becomes leaf 0 of its log, an empty vault is created and the
    /// node's settings are written. The node then runs with <see cref="OpenAsync"/> (it needs the network's NATS servers).
    /// </summary>
    /// <param name="withStore">Puts the state and the vault where the operator asked (SQLite files by default, or a PostgreSQL schema).</param>
    /// <param name="snapshot">For a member admitted by a vote after the genesis: a snapshot of another member (ADR 0010); null for a founder.</param>
    public static NodeConfig JoinConsortium(NodePaths paths, SignedTransaction genesis, string natsUrls, int replicas, Func<NodeConfig, NodeConfig>? withStore = null, ConsortiumSnapshot? snapshot = null)
    {
        if (paths.IsInitialised)
        {
            throw new CliException($"{paths.DataDirectory} already holds a CareLedger node (settings in {paths.NodeConfig}); refusing to join over it");
        }

        var network = (ConsortiumGenesisPayload)TransactionPayloads.Decode(genesis.Transaction);
        using (var keys = NodeKeys.Load(paths.DataDirectory))
        {
            var founder = network.Members.FirstOrDefault(m => m.CosignerVerifierKey == keys.Cosigner.VerifierKey.ToVkey());
            if (founder is null && snapshot is null)
            {
                throw new CliException($"this node's keys are not those of a founder of network '{network.Network}' (a member admitted later joins with --snapshot-from)");
            }

            var settings = new NodeConfig
            {
                Origin = network.Origin,
                // A member admitted later learns its name and organisation as the network recorded them, from the snapshot.
                OrganisationName = founder?.OrganisationName ?? keys.Origin,
                CheckpointEveryTransactions = network.CheckpointEvery,
                CheckpointIntervalMilliseconds = network.CheckpointIntervalMs,
                CreatedAt = DateTimeOffset.UtcNow,
                Consortium = new ConsortiumConfig { Network = network.Network, Member = founder?.Name ?? keys.Origin, NatsUrls = natsUrls, Replicas = replicas },
            };
            var config = withStore?.Invoke(settings) ?? settings;
            if (config.PostgresStore() is { } postgres && PostgresSessions.TablesIn(postgres) is > 0 and var tables)
            {
                throw new CliException($"{postgres.Describe()} already holds {tables} tables (another node's?); choose another --postgres-schema or drop that schema");
            }

            if (snapshot is null)
            {
                LedgerEngine.JoinConsortium(paths.DataDirectory, genesis, config.PostgresStore());
            }
            else
            {
                var admitted = LedgerEngine.JoinConsortiumFromSnapshot(paths.DataDirectory, genesis, snapshot, config.PostgresStore());
                config = config with { OrganisationName = admitted.Organisation, Consortium = config.Consortium! with { Member = admitted.Name } };
            }

            OpenVault(paths, config).Dispose();
            config.Save(paths);
            return config;
        }
    }

    public static async Task<CareLedgerNode> OpenAsync(NodePaths paths, CancellationToken ct)
    {
        var config = NodeConfig.Load(paths);
        var ledger = await LedgerEngine.OpenAsync(LedgerOptionsFor(paths, config), ct);
        Vault.Vault vault;
        try
        {
            vault = OpenVault(paths, config);
        }
        catch
        {
            await ledger.DisposeAsync();
            throw;
        }

        vault.RecoverPending(txId => ledger.State.TryGetLeafIndex(TxId.FromBytes(txId), out _));
        var node = new CareLedgerNode(paths, config, ledger, vault, null);
        await node.FinishInterruptedErasuresAsync(ct);
        return node;
    }

    /// <summary>
    /// Erases a patient (GDPR Art. 17) by crypto-shredding: first the tombstone is made durable on the ledger (so the
    /// erasure can never be lost once acknowledged), then the vault destroys the patient's data key, salts, ciphertexts,
    /// index rows and pseudonym mapping. The ledger keeps verifying; what it holds about the patient (a random
    /// pseudonym and salted commitments) can no longer be linked or opened by anyone. The record locator's entry for the
    /// patient is retracted by a further transaction, in the background (ADR 0009).
    /// </summary>
    public async Task<PatientErasure> ErasePatientAsync(string patientId, CancellationToken ct)
    {
        var pseudonym = Vault.TryGetPseudonym(patientId)
            ?? throw new KeyNotFoundException("this node holds no records of that patient; nothing was erased");
        var tombstone = SignedTransaction.Sign(
            Transaction.Create(new PatientErasedPayload(pseudonym), Ledger.Keys.Node.Id, TimeProvider.System),
            Ledger.Keys.Node);
        var committed = await Ledger.SubmitAsync(tombstone, ct);
        // The audit trail forgets them before the vault does: a crash in between leaves the pseudonym in the vault,
        // and the next open finishes both (FinishInterruptedErasures).
        await Audit.ForgetPatientAsync(pseudonym, ct);
        Inferences.Forget(pseudonym);
        // The record locator forgets them and queues the retraction of this member's entry (ADR 0009), before the vault
        // loses the id that names them there.
        Locator?.PatientErased(patientId);
        var shredded = Vault.Shred(patientId);
        return new PatientErasure(committed.Id, committed.LeafIndex, shredded.VersionsDestroyed, shredded.ResourcesDestroyed);
    }

    /// <summary>A crash between the tombstone and the shredding is finished here, before the node serves anything.</summary>
    private async Task FinishInterruptedErasuresAsync(CancellationToken ct)
    {
        var interrupted = Vault.PatientPseudonyms().Where(p => Ledger.State.IsPatientErased(p)).ToList();
        if (interrupted.Count == 0)
        {
            return;
        }

        // The record locator names patients by their id here, which only the vault maps to its pseudonym: forgotten first.
        Locator?.ForgetErased(patientId => Vault.TryGetPseudonym(patientId) is { } p && interrupted.Any(e => e.AsSpan().SequenceEqual(p)));
        foreach (var pseudonym in interrupted)
        {
            await Audit.ForgetPatientAsync(pseudonym, ct);
            Inferences.Forget(pseudonym);
            Vault.ShredPseudonym(pseudonym);
        }
    }

    /// <summary>The ledger's options for this node: its data directory, checkpoint policy and state store.</summary>
    internal static LedgerOptions LedgerOptionsFor(NodePaths paths, NodeConfig config) => new(paths.DataDirectory)
    {
        CheckpointEveryTransactions = config.CheckpointEveryTransactions,
        CheckpointInterval = TimeSpan.FromMilliseconds(config.CheckpointIntervalMilliseconds),
        Postgres = config.PostgresStore(),
        Consortium = config.Consortium is { } consortium ? new ConsortiumOptions(consortium.NatsUrls) { Replicas = consortium.Replicas } : null,
    };

    private static Vault.Vault OpenVault(NodePaths paths, NodeConfig config) =>
        global::CareLedger.Vault.Vault.Open(new VaultOptions(paths.VaultDatabase, FileKeyring.OpenOrCreate(paths.Keyring)) { Postgres = config.PostgresStore() });

    public async ValueTask DisposeAsync()
    {
        // The audit trail first: its last batch is anchored while the ledger still runs. Then the ledger drains
        // acknowledged work; the stores close their connections last.
        if (Locator is not null)
        {
            await Locator.DisposeAsync();
        }

        await Audit.DisposeAsync();
        await Ledger.DisposeAsync();
        People.Dispose();
        Inferences.Dispose();
        Delegations.Dispose();
        Credentials.Dispose();
        AccessStore.Dispose();
        Vault.Dispose();
    }
}
