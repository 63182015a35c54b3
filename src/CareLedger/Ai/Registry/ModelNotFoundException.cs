namespace CareLedger.Ai.Registry;

/// <summary>No registered model has that id (or, for a bare name, any version).</summary>
public sealed class ModelNotFoundException(string reference)
    : Exception($"no registered model '{reference}' (use name@version, or a name for its latest version; 'careledger model list')")
{
    public string Reference { get; } = reference;
}
