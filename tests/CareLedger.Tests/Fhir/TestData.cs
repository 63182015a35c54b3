namespace CareLedger.Tests.Fhir;

/// <summary>
/// The Synthea bundles the FHIR tests import: a subset of data/synthea (three patients plus the hospital and
/// practitioner bundles they reference), linked into the test output by the csproj; provenance in data/synthea.
/// </summary>
internal static class TestData
{
    public static string Synthea => Path.Combine(AppContext.BaseDirectory, "TestData", "synthea");

    public static IReadOnlyList<string> SyntheaPatientFiles =>
        [.. Directory.GetFiles(Synthea, "*.json").Where(f => !Path.GetFileName(f).Contains("Information", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}
