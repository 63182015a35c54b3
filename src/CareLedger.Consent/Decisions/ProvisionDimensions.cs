namespace CareLedger.Consent.Decisions;

/// <summary>The dimensions a provision (or a delegation scope) can constrain; reasons name the ones that matched or failed.</summary>
[Flags]
public enum ProvisionDimensions
{
    None = 0,
    Period = 1 << 0,
    Actor = 1 << 1,
    Action = 1 << 2,
    SecurityLabel = 1 << 3,
    Purpose = 1 << 4,
    Class = 1 << 5,
    Code = 1 << 6,
    DataPeriod = 1 << 7,
    Data = 1 << 8,
}
