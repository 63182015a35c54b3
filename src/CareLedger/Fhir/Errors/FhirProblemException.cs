using CareLedger.Access.Gate;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Errors;

/// <summary>
/// A request that cannot be honoured, carried to the HTTP edge as an <see cref="OperationOutcome"/> with its
/// status code. Thrown before anything is stored or ledgered, so it never leaves a partial change behind.
/// </summary>
public sealed class FhirProblemException : Exception
{
    public FhirProblemException(int status, OperationOutcome outcome)
        : base(Summarise(outcome))
    {
        Status = status;
        Outcome = outcome;
    }

    public FhirProblemException(int status, OperationOutcome.IssueType code, string diagnostics)
        : this(status, OperationOutcomes.Single(OperationOutcome.IssueSeverity.Error, code, diagnostics))
    {
    }

    public int Status { get; }

    public OperationOutcome Outcome { get; }

    /// <summary>The audit record of the refusal when the access layer refused (and so recorded it already).</summary>
    public Guid? AuditId { get; private init; }

    public static FhirProblemException BadRequest(string diagnostics) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, diagnostics);

    public static FhirProblemException NotFound(string diagnostics) =>
        new(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, diagnostics);

    public static FhirProblemException Gone(string diagnostics) =>
        new(StatusCodes.Status410Gone, OperationOutcome.IssueType.Deleted, diagnostics);

    public static FhirProblemException Conflict(string diagnostics) =>
        new(StatusCodes.Status409Conflict, OperationOutcome.IssueType.Conflict, diagnostics);

    public static FhirProblemException PreconditionFailed(string diagnostics) =>
        new(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict, diagnostics);

    public static FhirProblemException TooLarge(string diagnostics) =>
        new(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooCostly, diagnostics);

    public static FhirProblemException Unprocessable(string diagnostics) =>
        new(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.Processing, diagnostics);

    public static FhirProblemException MethodNotAllowed(string diagnostics) =>
        new(StatusCodes.Status405MethodNotAllowed, OperationOutcome.IssueType.NotSupported, diagnostics);

    public static FhirProblemException NotSupported(string diagnostics) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported, diagnostics);

    /// <summary>Several problems at once (e.g. every reason a Consent does not validate).</summary>
    public static FhirProblemException Unprocessable(IReadOnlyList<string> problems) =>
        new(StatusCodes.Status422UnprocessableEntity, new OperationOutcome
        {
            Issue = [.. problems.Select(p => new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = OperationOutcome.IssueType.Invalid,
                Diagnostics = p,
            })],
        });

    /// <summary>
    /// The access layer refused (403, or 401 without a usable identity): one issue per reason, and the id of the audit
    /// record of the refusal, so that the caller, the patient and the privacy officer speak about the same event.
    /// </summary>
    public static FhirProblemException Forbidden(AccessDeniedException denied)
    {
        var code = denied.StatusCode == StatusCodes.Status401Unauthorized ? OperationOutcome.IssueType.Login : OperationOutcome.IssueType.Forbidden;
        var reasons = denied.Reasons.Count > 0 ? denied.Reasons : [denied.Message];
        var outcome = new OperationOutcome
        {
            Issue = [.. reasons.Select(r => new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = code, Diagnostics = r })],
        };
        if (denied.AuditId != Guid.Empty)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Information,
                Code = OperationOutcome.IssueType.Informational,
                Diagnostics = $"the refusal was audited as {denied.AuditId}",
            });
        }

        return new FhirProblemException(denied.StatusCode, outcome) { AuditId = denied.AuditId == Guid.Empty ? null : denied.AuditId };
    }

    private static string Summarise(OperationOutcome outcome) =>
        string.Join("; ", outcome.Issue.Select(i => i.Diagnostics ?? i.Details?.Text ?? i.Code?.ToString() ?? "error"));
}
