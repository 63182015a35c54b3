namespace CareLedger.Consent.Model;

/// <summary>FHIR R4 <c>Consent.status</c> (required binding <c>consent-state-codes</c>). Only <see cref="Active"/> applies.</summary>
public enum ConsentStatus
{
    Unspecified = 0,
    Draft = 1,
    Proposed = 2,
    Active = 3,
    Rejected = 4,
    Inactive = 5,
    EnteredInError = 6,
}
