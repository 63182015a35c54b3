namespace CareLedger.Portal.Records;

/// <summary>A numeric observation over time (one code, one unit), oldest first, for a chart.</summary>
public sealed record VitalSeries(string Code, string Name, string Unit, IReadOnlyList<VitalPoint> Points);

public sealed record VitalPoint(DateTimeOffset When, decimal Value);
