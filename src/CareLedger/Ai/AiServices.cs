using CareLedger.Ai.Inference;
using CareLedger.Ai.Registry;
using CareLedger.Ai.Training;
using CareLedger.Node;

namespace CareLedger.Ai;

/// <summary>
/// The node's AI (issue 6), composed over a running node: the model registry (DATA/models), training and ONNX
/// registration through the access layer, inference with its ledger anchors and sealed log (DATA/inferences.db).
/// The HTTP host and the command line each create one per node and dispose it before the node.
/// </summary>
internal sealed class AiServices : IDisposable
{
    private AiServices(CareLedgerNode node, AiOptions options)
    {
        Node = node;
        Options = options;
        Registry = new ModelRegistry(options.ModelsDirectory ?? ModelsDirectoryOf(node.Paths), node.Ledger, options.Gate);
        Log = node.Inferences;
        Training = new ModelTraining(new CohortReader(node.Fhir, node.Vault, node.Ledger), Registry, TimeProvider.System);
        Inference = new InferenceService(node.Fhir, Registry, node.Ledger, Log, TimeProvider.System, node.Config.OrganisationName);
    }

    public CareLedgerNode Node { get; }

    public AiOptions Options { get; }

    public ModelRegistry Registry { get; }

    /// <summary>The node's inference log (owned and disposed by the node, which forgets a patient's entries on erasure).</summary>
    public InferenceLog Log { get; }

    public ModelTraining Training { get; }

    public InferenceService Inference { get; }

    public static AiServices Create(CareLedgerNode node, AiOptions? options = null) => new(node, options ?? AiOptions.Default);

    public static string ModelsDirectoryOf(NodePaths paths) => Path.Combine(paths.DataDirectory, "models");

    public void Dispose() => Registry.Dispose();
}
