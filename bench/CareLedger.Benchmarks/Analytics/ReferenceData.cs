using CareLedger.Analytics.Data;

namespace CareLedger.Benchmarks.Analytics;

/// <summary>Finds the repository's data/clinical folder from wherever BenchmarkDotNet runs the generated benchmark process.</summary>
internal static class ReferenceData
{
    public static FeatureTable Load(string dataset)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "data", "clinical", "wdbc.csv")))
            directory = directory.Parent;
        if (directory is null)
            throw new DirectoryNotFoundException($"No data/clinical folder above {AppContext.BaseDirectory}.");
        using var reader = new StreamReader(Path.Combine(directory.FullName, "data", "clinical", dataset + ".csv"));
        return dataset switch
        {
            "wdbc" => ReferenceDatasets.ReadWdbc(reader),
            "pima" => ReferenceDatasets.ReadPima(reader),
            _ => throw new ArgumentException($"Unknown reference data set '{dataset}'.", nameof(dataset)),
        };
    }
}
