using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using CareLedger.Analytics.Data;
using CareLedger.Analytics.Inference;
using CareLedger.Analytics.Training;

namespace CareLedger.Benchmarks.Analytics;

/// <summary>
/// Latency of one explained prediction (probability + per-feature contributions) on a Pima row, in two jobs:
/// "amortised" (BenchmarkDotNet's usual many calls per iteration: the warm steady-state cost) and "single-call"
/// (one call per iteration, outliers kept, so P50 / P99 are per-call latencies including cold caches).
/// Run without --job (the class sets its own):
/// dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*Analytics.InferenceBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PerCallLatencyConfig))]
public class InferenceBenchmarks
{
    private ClinicalModel _model = null!;
    private FeatureTable _data = null!;
    private int _next;

    [Params(ModelKind.LogisticRegression, ModelKind.FastTree)]
    public ModelKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data = ReferenceData.Load("pima");
        _model = ModelTrainer.Train(_data, new TrainingOptions { Kind = Kind });
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark]
    public double PredictWithExplanation()
    {
        _next = (_next + 1) % _data.Count;
        return _model.Predict(_data.Rows[_next].Features).Probability;
    }

    private sealed class PerCallLatencyConfig : ManualConfig
    {
        public PerCallLatencyConfig()
        {
            AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(20).WithLaunchCount(1).WithId("amortised"));
            AddJob(Job.Default
                .WithId("single-call")
                .WithStrategy(RunStrategy.Throughput)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithWarmupCount(50)
                .WithIterationCount(1000)
                .WithLaunchCount(1)
                .WithOutlierMode(Perfolizer.Mathematics.OutlierDetection.OutlierMode.DontRemove)); // the tail is what P99 is for
            AddColumn(StatisticColumn.P50, new PercentileColumn(99));
        }
    }

    private sealed class PercentileColumn(int percentile) : IColumn
    {
        public string Id => $"P{percentile}";

        public string ColumnName => $"P{percentile}";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Statistics;

        public int PriorityInCategory => 10;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Time;

        public string Legend => $"{percentile}th percentile of single-call latency";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            return statistics is null
                ? "NA"
                : (statistics.Percentiles.Percentile(percentile) / 1000).ToString("0.00 'us'", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
