using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Registry;

/// <summary>A model as its files describe it (not yet checked against the ledger; see <see cref="ModelRegistry.Verify"/>).</summary>
public sealed record RegisteredModel(string Id, ModelCard Card, ModelRegistration Registration, string Directory)
{
    public string ModelPath => Path.Combine(Directory, Registration.ModelFile);

    public string CardPath => Path.Combine(Directory, ModelRegistry.CardFile);

    public string BiasReportPath => Path.Combine(Directory, ModelRegistry.BiasReportFile);
}
