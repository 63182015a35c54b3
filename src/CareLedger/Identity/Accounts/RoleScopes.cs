using CareLedger.Identity.Scopes;

namespace CareLedger.Identity.Accounts;

/// <summary>
/// The most a person in each role can be granted, whatever an app asks for. Consent decides the rest per request:
/// these bound the token, not the data.
/// </summary>
internal static class RoleScopes
{
    private const string Identity = "openid fhirUser offline_access";

    private static readonly Dictionary<CareLedgerRole, ScopeSet> s_allowed = new()
    {
        [CareLedgerRole.Patient] = ScopeSet.Parse($"{Identity} launch/patient patient/*.rs patient/Consent.cruds"),
        [CareLedgerRole.Guardian] = ScopeSet.Parse($"{Identity} launch/patient patient/*.rs patient/Consent.cruds"),
        [CareLedgerRole.Caregiver] = ScopeSet.Parse($"{Identity} launch/patient patient/*.rs"),
        [CareLedgerRole.Clinician] = ScopeSet.Parse($"{Identity} user/*.cruds"),
        [CareLedgerRole.Researcher] = ScopeSet.Parse($"{Identity} user/*.rs user/ResearchStudy.cruds user/ResearchSubject.cruds user/Group.cruds"),
        [CareLedgerRole.PrivacyOfficer] = ScopeSet.Parse($"{Identity} user/AuditEvent.rs user/Consent.rs user/Provenance.rs"),
        [CareLedgerRole.BoardOfficer] = ScopeSet.Parse($"{Identity} user/Practitioner.cruds user/PractitionerRole.cruds user/Organization.rs"),
        [CareLedgerRole.Operator] = ScopeSet.Parse($"{Identity} user/Organization.cruds user/Endpoint.cruds"),
        [CareLedgerRole.System] = ScopeSet.Parse("system/*.cruds"),
    };

    public static ScopeSet AllowedFor(CareLedgerRole role) => s_allowed[role];

    /// <summary>Which resource types the role's <c>fhirUser</c> may be, and whether it must have one.</summary>
    public static (string[] Types, bool Required) ReferenceRule(CareLedgerRole role) => role switch
    {
        CareLedgerRole.Patient => (["Patient"], true),
        CareLedgerRole.Clinician => (["Practitioner", "PractitionerRole"], true),
        CareLedgerRole.Guardian or CareLedgerRole.Caregiver => (["RelatedPerson"], true),
        CareLedgerRole.System => (["Organization", "Device"], false),
        _ => (["Practitioner", "Person"], false),
    };
}
