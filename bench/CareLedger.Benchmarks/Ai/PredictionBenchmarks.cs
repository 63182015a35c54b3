using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using CareLedger.Access.Callers;
using CareLedger.Access.Credentials;
using CareLedger.Access.Gate;
using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Training;
using CareLedger.Benchmarks.Analytics;
using CareLedger.Cli;
using CareLedger.Fhir;
using CareLedger.Node;
using Hl7.Fhir.Model;

namespace CareLedger.Benchmarks.Ai;

/// <summary>
/// One accountable prediction on a real node, as <c>$predict</c> makes it without HTTP: the model file re-hashed and
/// checked, the patient's Observations read through the access layer (consent decision + audit record), the explained
/// prediction, the <c>inference</c> anchor made durable on the ledger (one fsync of the log) and the sealed opening
/// written to DATA/inferences.db (one SQLite commit). Per-call latency: one call per iteration, outliers kept.
/// dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*Ai.PredictionBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SingleCallConfig))]
public class PredictionBenchmarks
{
    private const string Organisation = "Bench Hospital";
    private const string Practitioner = "Practitioner/dr-bench";

    private string _directory = null!;
    private CareLedgerNode _node = null!;
    private AiServices _ai = null!;
    private FhirCaller _clinician = null!;
    private string[] _patients = [];
    private int _next;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async System.Threading.Tasks.Task SetupAsync()
    {
        _directory = Directory.CreateTempSubdirectory("careledger-bench-ai-").FullName;
        _node = await CareLedgerNode.InitializeAsync(NodePaths.For(Path.Combine(_directory, "data")), "bench.careledger/ai", Organisation, CancellationToken.None);
        var custodian = FhirCaller.Custodian(Organisation, "bench");
        await _node.Fhir.UpdateAsync(custodian, "Practitioner", "dr-bench", new Hl7.Fhir.Model.Practitioner { Id = "dr-bench" }, null, CancellationToken.None);
        var board = await _node.Credentials.EnsureIssuerKeyAsync(ct: CancellationToken.None);
        await _node.Credentials.IssueAsync(board, Practitioner, new PractitionerLicence("MED-BENCH", "internal medicine"), DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);
        await new DemoCohortLoader(_node.Fhir, custodian).LoadAsync(FeatureSets.Pima, ReferenceData.Load("pima"), 100, Practitioner, null, CancellationToken.None);
        _ai = AiServices.Create(_node, AiOptions.Default with { Gate = new GatePolicy { MinAuroc = 0.5, MaxEqualizedOddsDifference = null } });
        await _ai.Training.TrainAsync(ModelCommands.Researcher(_node), new TrainingRequest(FeatureSets.Pima, ModelKind.LogisticRegression, "pima-bench", "1.0.0", Folds: 5), CancellationToken.None);
        _clinician = new FhirCaller(new Accessor("bench-clinician", CareLedgerRole.Clinician, Practitioner, Organisation, null, AllScopes.Instance), AccessContext.Default);
        _patients = [.. Enumerable.Range(0, 100).Where(DemoConsents.HasTreatmentConsent)
            .Select(row => DemoCohortLoader.PatientId(FeatureSets.Pima, row))];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ai.Dispose();
        _node.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public double PredictThroughTheDoorAndAnchor()
    {
        _next = (_next + 1) % _patients.Length;
        return _ai.Inference.PredictAsync(_clinician, "pima-bench@1.0.0", _patients[_next], "http://127.0.0.1", CancellationToken.None).GetAwaiter().GetResult().Output.Probability;
    }

    private sealed class AllScopes : IScopeCheck
    {
        public static readonly AllScopes Instance = new();

        public bool Permits(string resourceType, AccessAction action) => true;

        public string RequiredScope(string resourceType, AccessAction action) => $"user/{resourceType}.cruds";
    }

    private sealed class SingleCallConfig : ManualConfig
    {
        public SingleCallConfig()
        {
            // In process: a separately built benchmark executable takes minutes to compile on the shared machine.
            AddJob(Job.Default
                .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: false))
                .WithId("single-call")
                .WithStrategy(RunStrategy.Throughput)
                .WithInvocationCount(1)
                .WithUnrollFactor(1)
                .WithWarmupCount(20)
                .WithIterationCount(500)
                .WithLaunchCount(1)
                .WithOutlierMode(Perfolizer.Mathematics.OutlierDetection.OutlierMode.DontRemove));
            AddColumn(StatisticColumn.P50, new P99Column());
        }
    }

    private sealed class P99Column : IColumn
    {
        public string Id => "P99";

        public string ColumnName => "P99";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Statistics;

        public int PriorityInCategory => 10;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Time;

        public string Legend => "99th percentile of single-call latency";

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            summary[benchmarkCase]?.ResultStatistics is { } statistics
                ? (statistics.Percentiles.Percentile(99) / 1_000_000).ToString("0.00 'ms'", CultureInfo.InvariantCulture)
                : "NA";
    }
}
