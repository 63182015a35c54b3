using CareLedger.Consent.Model;

namespace CareLedger.Consent.Vocabulary;

/// <summary>Roles of people acting for a patient (v3 RoleCode).</summary>
public static class DelegateRoles
{
    public static readonly Coding Guardian = new(CodeSystems.RoleCode, "GUARD");
    public static readonly Coding Parent = new(CodeSystems.RoleCode, "PRN");
}
