namespace CareLedger.Consent.Model;

/// <summary>FHIR R4 <c>Consent.provision.type</c>: what a provision does to the actions it matches.</summary>
public enum ProvisionType
{
    Unspecified = 0,
    Deny = 1,
    Permit = 2,
}
