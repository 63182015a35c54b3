namespace CareLedger.Access.Delegation;

/// <summary>Who granted a delegation.</summary>
public enum DelegationSource
{
    /// <summary>The patient, signing with their own key.</summary>
    Patient = 1,
    /// <summary>A court order (or other legal authority) recorded by the organisation.</summary>
    CourtOrder = 2,
}
