namespace CareLedger.Ai.Data;

/// <summary>One model input: its name in the model card and reference CSV, and the Observation code that carries it.</summary>
/// <param name="Unit">UCUM unit of <c>valueQuantity</c>; null for dimensionless image measurements.</param>
public sealed record FeatureDefinition(string Name, ClinicalCode Code, string? Unit);
