namespace CareLedger.Consent.Requests;

/// <summary>How a delegate is related to the patient they act for.</summary>
public enum DelegateKind
{
    Unspecified = 0,
    /// <summary>A parent or legal guardian with authority over the patient (for a minor: parental authority).</summary>
    Guardian = 1,
    /// <summary>A person the patient named to help them (family member, carer).</summary>
    Caregiver = 2,
}
