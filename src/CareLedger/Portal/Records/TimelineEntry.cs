namespace CareLedger.Portal.Records;

/// <summary>One line of a patient's timeline, in plain words.</summary>
/// <param name="Kind">"Encounter", "Condition", "Observation", "Medication", "Immunisation", "Risk assessment", "AI assessment".</param>
public sealed record TimelineEntry(DateTimeOffset? When, string Kind, string Text, string? Detail)
{
    /// <summary>The member the record came from ("name (organisation)"), for a record another member holds; null for this node's own.</summary>
    public string? Holder { get; init; }

    /// <summary>For an AI assessment: what the model said and why, in plain words.</summary>
    public AiAssessment? Assessment { get; init; }
}

/// <summary>
/// A prediction of the node's AI as the patient's record stores it (a RiskAssessment with the <c>ai-model</c> extension).
/// </summary>
/// <param name="Model">The model's name, version and kind, as the RiskAssessment's method names it.</param>
/// <param name="Prediction">The outcome and the likelihood ("Diabetes ...: high likelihood (probability 62%)").</param>
/// <param name="RequestedBy">Who asked, in words ("a clinician").</param>
/// <param name="Factors">The largest contributions, most important first, in words ("Body mass index 31.2 raised the risk").</param>
public sealed record AiAssessment(string Model, string Prediction, string RequestedBy, IReadOnlyList<string> Factors);
