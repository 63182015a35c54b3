namespace CareLedger.Analytics.Deployment;

/// <summary>
/// The thresholds a model must meet before it may serve predictions. Null limits are not checked.
/// AUROC is the cross-validated mean AUROC of the card; fairness limits apply to every audited attribute.
/// </summary>
public sealed record GatePolicy
{
    public static GatePolicy Default { get; } = new();

    public double MinAuroc { get; init; } = 0.80;

    public double? MaxEqualizedOddsDifference { get; init; } = 0.10;

    public double? MaxDemographicParityDifference { get; init; }

    public double? MaxExpectedCalibrationError { get; init; }

    /// <summary>Lowest AUROC allowed in any subgroup where it is defined.</summary>
    public double? MinSubgroupAuroc { get; init; }
}
