using Microsoft.ML;
using Microsoft.ML.Data;

namespace CareLedger.Analytics.Training;

// ML.NET binds these by column name: "Features" in, then "Score", "Probability", "FeatureContributions" out.
internal sealed class TrainingRow
{
    public float[] Features { get; set; } = [];

    public bool Label { get; set; }
}

internal sealed class ScoringRow
{
    public float[] Features { get; set; } = [];
}

internal sealed class ScoredRow
{
    public float[] Features { get; set; } = [];

    public float Score { get; set; }

    public float Probability { get; set; }

    public float[] FeatureContributions { get; set; } = [];
}

internal sealed class ProbabilityRow
{
    public float Probability { get; set; }
}

internal static class MlNetRows
{
    public const string FeaturesColumn = "Features";

    public static SchemaDefinition Schema<T>(int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(T));
        schema[FeaturesColumn].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return schema;
    }

    public static IDataView TrainingView(MLContext ml, IReadOnlyList<Data.FeatureRow> rows, int featureCount) =>
        ml.Data.LoadFromEnumerable(
            rows.Select(r => new TrainingRow { Features = r.Features, Label = r.Label }).ToArray(),
            Schema<TrainingRow>(featureCount));

    public static IDataView ScoringView(MLContext ml, IEnumerable<float[]> features, int featureCount) =>
        ml.Data.LoadFromEnumerable(
            features.Select(f => new ScoringRow { Features = f }).ToArray(),
            Schema<ScoringRow>(featureCount));
}
