namespace CareLedger.Analytics.Registry;

/// <summary>A model file does not match the card it was registered with; the model must not be used.</summary>
public sealed class ModelIntegrityException : Exception
{
    public ModelIntegrityException(string modelName, string problem)
        : base($"Model '{modelName}' is refused: {problem}")
    {
        ModelName = modelName;
    }

    public string ModelName { get; }
}
