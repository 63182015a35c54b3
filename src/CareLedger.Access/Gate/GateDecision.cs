namespace CareLedger.Access.Gate;

/// <summary>The door's decision on one record: permit or deny, the reason that settled it, and every reason.</summary>
internal sealed record GateDecision(bool Permitted, string Summary, IReadOnlyList<string> Reasons)
{
    /// <summary>Permitted only as emergency access (the audit record is flagged and a grant is opened).</summary>
    public bool BreakGlass { get; init; }

    /// <summary>For a refusal by scope: the scope that would have covered the request.</summary>
    public string? RequiredScope { get; init; }

    public static GateDecision Permit(string reason) => new(true, reason, [reason]);

    public static GateDecision Deny(string reason) => new(false, reason, [reason]);
}
