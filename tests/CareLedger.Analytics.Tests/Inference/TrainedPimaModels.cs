using CareLedger.Analytics.Inference;
using CareLedger.Analytics.Training;

namespace CareLedger.Analytics.Tests.Inference;

/// <summary>Logistic regression and gradient-boosted trees trained once on all Pima rows, shared by the inference tests.</summary>
public sealed class TrainedPimaModels : IDisposable
{
    public ClinicalModel Logistic { get; } = ModelTrainer.Train(TestData.Pima, TrainingOptions.LogisticRegression);

    public ClinicalModel Trees { get; } = ModelTrainer.Train(TestData.Pima, TrainingOptions.FastTree);

    public void Dispose()
    {
        Logistic.Dispose();
        Trees.Dispose();
    }
}
