using CareLedger.Consent.Model;

namespace CareLedger.Consent.Tests.Tables;

/// <summary>One row of the validation table: consents → the paths of every problem, in order.</summary>
public sealed record ValidationCase(string Name, ConsentDirective?[] Consents, string[] ProblemPaths)
{
    public override string ToString() => Name;
}
