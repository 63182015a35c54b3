namespace CareLedger.Analytics.Fairness;

/// <summary>
/// Decision rates of one group. As in Fairlearn (through scikit-learn's normalised confusion matrix), a rate whose
/// denominator is zero (no positives, or no negatives, in the group) is 0.
/// </summary>
public readonly record struct GroupRates(int Count, int Positives, int Negatives, double SelectionRate, double TruePositiveRate, double FalsePositiveRate);
