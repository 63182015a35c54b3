namespace CareLedger.Ledger.Engine;

/// <summary>A defect found by verification: a stable <see cref="Code"/>, where it is, and what is wrong.</summary>
public sealed record VerifyProblem(string Code, string Location, string Message)
{
    public override string ToString() => $"{Location}: {Message} ({Code})";
}
