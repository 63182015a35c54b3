namespace CareLedger.Consent.Vocabulary;

/// <summary>Canonical URLs of the code systems that consent decisions use.</summary>
public static class CodeSystems
{
    public const string ConsentScope = "http://terminology.hl7.org/CodeSystem/consentscope";
    public const string ConsentAction = "http://terminology.hl7.org/CodeSystem/consentaction";
    public const string ActReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    public const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    public const string Confidentiality = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
    public const string RoleCode = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
    public const string ResourceTypes = "http://hl7.org/fhir/resource-types";
}
