using CareLedger.Consent.Model;

namespace CareLedger.Consent.Vocabulary;

/// <summary><c>Consent.scope</c> codes. Only privacy and research consents govern access to data.</summary>
public static class ConsentScopes
{
    public static readonly Coding PatientPrivacy = new(CodeSystems.ConsentScope, "patient-privacy");
    public static readonly Coding Research = new(CodeSystems.ConsentScope, "research");
    public static readonly Coding Treatment = new(CodeSystems.ConsentScope, "treatment");
    public static readonly Coding AdvanceDirective = new(CodeSystems.ConsentScope, "adr");
}
