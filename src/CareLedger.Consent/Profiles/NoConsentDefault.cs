namespace CareLedger.Consent.Profiles;

/// <summary>What a jurisdiction decides when none of the patient's consents decides.</summary>
public enum NoConsentDefault
{
    Unspecified = 0,
    /// <summary>Opt-in: nothing without consent.</summary>
    DenyAll = 1,
    /// <summary>Opt-out for treatment: the patient's care team may act for treatment (TREAT) until the patient opts out; everything else is denied.</summary>
    PermitTreatmentByCareTeam = 2,
}
