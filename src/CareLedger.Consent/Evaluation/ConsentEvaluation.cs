namespace CareLedger.Consent.Evaluation;

/// <summary>What the patient's consents say about a request, before defaults, delegation and break-glass.</summary>
internal struct ConsentEvaluation
{
    /// <summary>The deciding provision across all consents, if any consent covers the request.</summary>
    public ProvisionOutcome Best;

    /// <summary>A matching deny provision naming ETREAT (first found), or -1.</summary>
    public int EmergencyRefusal;

    public static ConsentEvaluation Nothing => new() { Best = ProvisionOutcome.None, EmergencyRefusal = -1 };
}
