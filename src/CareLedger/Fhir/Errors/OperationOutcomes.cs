using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Errors;

/// <summary>Builds the <see cref="OperationOutcome"/>s the API answers with.</summary>
public static class OperationOutcomes
{
    public static OperationOutcome Single(OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType code, string diagnostics, string? expression = null)
    {
        var issue = new OperationOutcome.IssueComponent { Severity = severity, Code = code, Diagnostics = diagnostics };
        if (expression is not null)
        {
            issue.Expression = [expression];
        }

        return new OperationOutcome { Issue = [issue] };
    }

    public static OperationOutcome Information(string diagnostics) =>
        Single(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational, diagnostics);

    public static bool HasErrors(OperationOutcome outcome) =>
        outcome.Issue.Any(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal);

    /// <summary>Prefixes every issue's location, so the problems of a bundle entry say which entry they belong to.</summary>
    public static IEnumerable<OperationOutcome.IssueComponent> Located(OperationOutcome outcome, string prefix)
    {
        foreach (var issue in outcome.Issue)
        {
            var copy = (OperationOutcome.IssueComponent)issue.DeepCopy();
            copy.Diagnostics = $"{prefix}: {copy.Diagnostics ?? copy.Details?.Text}";
            yield return copy;
        }
    }
}
