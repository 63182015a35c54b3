namespace CareLedger.Consent.Validation;

/// <summary>Consents were malformed or contradictory; <see cref="Problems"/> lists every problem found.</summary>
public sealed class ConsentValidationException : Exception
{
    public ConsentValidationException(IReadOnlyList<ConsentProblem> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<ConsentProblem> Problems { get; }

    private static string Describe(IReadOnlyList<ConsentProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var noun = problems.Count == 1 ? "problem" : "problems";
        return $"The consents have {problems.Count} {noun}: {string.Join("; ", problems)}.";
    }
}
