namespace CareLedger.Analytics.Deployment;

/// <summary>One criterion of the gate, with the measured value and limit spelled out in Detail.</summary>
public sealed record GateCheck(string Criterion, bool Passed, string Detail);
