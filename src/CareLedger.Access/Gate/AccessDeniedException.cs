namespace CareLedger.Access.Gate;

/// <summary>
/// The door refused: nothing was disclosed or changed, and the refusal was audited (<see cref="AuditId"/>).
/// <see cref="StatusCode"/> is 403 (scope, consent, credential, delegation) or 401 (no usable identity).
/// </summary>
public sealed class AccessDeniedException : Exception
{
    public AccessDeniedException(int statusCode, string message, IReadOnlyList<string> reasons, Guid auditId, string? requiredScope = null)
        : base(message)
    {
        StatusCode = statusCode;
        Reasons = reasons;
        AuditId = auditId;
        RequiredScope = requiredScope;
    }

    public AccessDeniedException()
        : this(403, "access denied", [], Guid.Empty)
    {
    }

    public AccessDeniedException(string message)
        : this(403, message, [message], Guid.Empty)
    {
    }

    public AccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = 403;
        Reasons = [message];
    }

    public int StatusCode { get; }

    /// <summary>Every reason of the decision, in plain words (from the consent engine, the scope check, the credential check).</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>The audit record of the refusal.</summary>
    public Guid AuditId { get; }

    /// <summary>Set when the refusal is a missing scope: the scope that would have covered the request.</summary>
    public string? RequiredScope { get; }
}
