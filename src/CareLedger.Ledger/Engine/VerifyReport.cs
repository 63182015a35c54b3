namespace CareLedger.Ledger.Engine;

/// <summary>
/// The result of a full audit of a node's data directory. <see cref="Counts"/> says what was checked;
/// <see cref="FirstProblem"/> is the first defect found (the audit stops there), null when everything verified.
/// </summary>
public sealed record VerifyReport(IReadOnlyList<(string Name, long Value)> Counts, VerifyProblem? FirstProblem)
{
    public bool Ok => FirstProblem is null;

    public long Count(string name) => Counts.FirstOrDefault(c => c.Name == name).Value;
}
