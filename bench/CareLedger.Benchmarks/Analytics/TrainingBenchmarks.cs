using BenchmarkDotNet.Attributes;
using CareLedger.Analytics.Data;
using CareLedger.Analytics.Training;

namespace CareLedger.Benchmarks.Analytics;

/// <summary>
/// Time to train one model on a whole reference data set (including saving and reloading the ML.NET zip).
/// dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*Analytics.TrainingBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private FeatureTable _data = null!;

    [Params("wdbc", "pima")]
    public string Dataset { get; set; } = "wdbc";

    [Params(ModelKind.LogisticRegression, ModelKind.FastTree)]
    public ModelKind Kind { get; set; }

    [GlobalSetup]
    public void Setup() => _data = ReferenceData.Load(Dataset);

    [Benchmark]
    public string Train()
    {
        using var model = ModelTrainer.Train(_data, new TrainingOptions { Kind = Kind });
        return model.Sha256;
    }
}
