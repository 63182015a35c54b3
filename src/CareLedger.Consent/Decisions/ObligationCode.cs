namespace CareLedger.Consent.Decisions;

/// <summary>What the caller must do when it acts on a permit.</summary>
public enum ObligationCode
{
    /// <summary>Tell the patient about this access.</summary>
    NotifyPatient = 1,
    /// <summary>Tell the privacy officer about this access.</summary>
    NotifyPrivacyOfficer = 2,
    /// <summary>End the access at <see cref="Obligation.Until"/>.</summary>
    EndAccessAt = 3,
    /// <summary>Withhold every resource (and contained part) carrying one of <see cref="Obligation.Labels"/>.</summary>
    WithholdLabels = 4,
}
