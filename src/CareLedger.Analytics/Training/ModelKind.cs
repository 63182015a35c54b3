namespace CareLedger.Analytics.Training;

/// <summary>The model families CareLedger registers. Values are persisted in model cards (as kebab-case names).</summary>
public enum ModelKind
{
    LogisticRegression = 1,
    FastTree = 2,
    Onnx = 3,
}
