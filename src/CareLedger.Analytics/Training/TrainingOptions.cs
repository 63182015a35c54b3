namespace CareLedger.Analytics.Training;

/// <summary>
/// Hyper-parameters. Every model is the ML.NET pipeline: mean imputation of missing values → standardisation
/// ((x − mean) / population SD, both from the training rows) → the trainer. Logistic regression defaults to pure L2 with
/// weight 1 (= scikit-learn's C = 1; ML.NET's own default also adds L1 = 1). Tree defaults are shallower and slower-learning
/// than ML.NET's (20 leaves, rate 0.2), which overfit cohorts of a few hundred patients.
/// </summary>
public sealed record TrainingOptions
{
    public static TrainingOptions LogisticRegression { get; } = new();

    public static TrainingOptions FastTree { get; } = new() { Kind = ModelKind.FastTree };

    public ModelKind Kind { get; init; } = ModelKind.LogisticRegression;

    /// <summary>Weight λ of ½λ‖w‖² added to the summed log-loss; the intercept is not penalised. λ = 1 / C of scikit-learn.</summary>
    public float L2Regularization { get; init; } = 1f;

    /// <summary>L-BFGS stops when the mean relative objective improvement over 5 iterations falls below this.</summary>
    public float OptimizationTolerance { get; init; } = 1e-8f;

    public int NumberOfTrees { get; init; } = 100;

    public int NumberOfLeaves { get; init; } = 8;

    public int MinimumExampleCountPerLeaf { get; init; } = 20;

    public double LearningRate { get; init; } = 0.05;

    /// <summary>Seeds ML.NET; with one training thread the result is then reproducible bit for bit.</summary>
    public int Seed { get; init; } = 1;

    internal void Validate()
    {
        if (Kind is not (ModelKind.LogisticRegression or ModelKind.FastTree))
            throw new ArgumentException($"Model kind {Kind} cannot be trained here; ONNX models are brought, not trained.", nameof(Kind));
        if (!(L2Regularization >= 0 && float.IsFinite(L2Regularization)))
            throw new ArgumentOutOfRangeException(nameof(L2Regularization), L2Regularization, "L2 regularization must be a finite value ≥ 0.");
        if (!(OptimizationTolerance > 0 && OptimizationTolerance < 1))
            throw new ArgumentOutOfRangeException(nameof(OptimizationTolerance), OptimizationTolerance, "The optimization tolerance must be in (0, 1).");
        if (NumberOfTrees < 1)
            throw new ArgumentOutOfRangeException(nameof(NumberOfTrees), NumberOfTrees, "At least one tree is required.");
        if (NumberOfLeaves < 2)
            throw new ArgumentOutOfRangeException(nameof(NumberOfLeaves), NumberOfLeaves, "A tree needs at least two leaves.");
        if (MinimumExampleCountPerLeaf < 1)
            throw new ArgumentOutOfRangeException(nameof(MinimumExampleCountPerLeaf), MinimumExampleCountPerLeaf, "A leaf needs at least one example.");
        if (!(LearningRate > 0 && LearningRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be in (0, 1].");
    }
}
