using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// A node's private keys, in DATA/keys/ with mode 0600: the log's checkpoint key (Ed25519, named after the
/// origin), the node's cosigner key (Ed25519, a distinct key as C2SP requires), the organisation's author key
/// and the node's own author key (ECDSA P-256).
/// </summary>
public sealed class NodeKeys : IDisposable
{
    public const string LogKeyFile = "log.key";
    public const string CosignerKeyFile = "cosigner.key";
    public const string OrganisationKeyFile = "organisation.key";
    public const string NodeKeyFile = "node.key";

    private static readonly string[] Files = [LogKeyFile, CosignerKeyFile, OrganisationKeyFile, NodeKeyFile];

    private NodeKeys(NoteSigningKey log, CosignerKey cosigner, AuthorKey organisation, AuthorKey node)
    {
        Log = log;
        Cosigner = cosigner;
        Organisation = organisation;
        Node = node;
    }

    public NoteSigningKey Log { get; }

    public CosignerKey Cosigner { get; }

    public AuthorKey Organisation { get; }

    public AuthorKey Node { get; }

    /// <summary>The log's origin: the name of its checkpoint key.</summary>
    public string Origin => Log.Name;

    /// <summary>The keys that sign and cosign this node's checkpoints (what a receipt verifier trusts).</summary>
    public IReadOnlyList<VerifierKey> CheckpointVerifierKeys => [Log.VerifierKey, Cosigner.VerifierKey];

    /// <summary>Generates and saves a node's four keys; refuses when any key file already exists.</summary>
    public static NodeKeys Create(string dataDirectory, string origin, string organisationName)
    {
        if (GenesisPayload.OriginProblem(origin) is { } problem)
        {
            throw new ArgumentException($"invalid origin '{origin}': {problem}", nameof(origin));
        }

        if (GenesisPayload.OrganisationNameProblem(organisationName) is { } nameProblem)
        {
            throw new ArgumentException($"invalid organisation name: {nameProblem}", nameof(organisationName));
        }
        var directory = LedgerLayout.Keys(dataDirectory);
        foreach (var file in Files)
        {
            var path = Path.Combine(directory, file);
            if (File.Exists(path))
            {
                throw new IOException($"key file '{path}' already exists; refusing to overwrite a node's keys");
            }
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var keys = new NodeKeys(
            NoteSigningKey.Generate(origin),
            CosignerKey.Generate(origin + "/cosigner"),
            AuthorKey.Generate(),
            AuthorKey.Generate());
        try
        {
            keys.Log.Save(Path.Combine(directory, LogKeyFile));
            keys.Cosigner.Save(Path.Combine(directory, CosignerKeyFile));
            keys.Organisation.Save(Path.Combine(directory, OrganisationKeyFile));
            keys.Node.Save(Path.Combine(directory, NodeKeyFile));
            return keys;
        }
        catch
        {
            keys.Dispose();
            throw;
        }
    }

    public static NodeKeys Load(string dataDirectory)
    {
        var directory = LedgerLayout.Keys(dataDirectory);
        foreach (var file in Files)
        {
            var path = Path.Combine(directory, file);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"key file '{path}' is missing: '{dataDirectory}' is not an initialised node", path);
            }
        }

        NoteSigningKey? log = null;
        CosignerKey? cosigner = null;
        AuthorKey? organisation = null;
        try
        {
            log = NoteSigningKey.Load(Path.Combine(directory, LogKeyFile));
            cosigner = CosignerKey.Load(Path.Combine(directory, CosignerKeyFile));
            organisation = AuthorKey.Load(Path.Combine(directory, OrganisationKeyFile));
            return new NodeKeys(log, cosigner, organisation, AuthorKey.Load(Path.Combine(directory, NodeKeyFile)));
        }
        catch
        {
            log?.Dispose();
            cosigner?.Dispose();
            organisation?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// This node as a founding member of a consortium: its name is its log key's name (given to <see cref="Create"/>),
    /// with its organisation and node author keys and its cosigner key.
    /// </summary>
    public FoundingMember AsFoundingMember(string organisationName) =>
        new(Origin, organisationName, Organisation.PublicKeySpki, Node.PublicKeySpki, Cosigner.VerifierKey.ToVkey());

    public void Dispose()
    {
        Log.Dispose();
        Cosigner.Dispose();
        Organisation.Dispose();
        Node.Dispose();
    }
}
