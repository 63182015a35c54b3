using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using static CareLedger.Access.Tests.Gate.Expected;

namespace CareLedger.Access.Tests.Gate;

/// <summary>The patient's consents in a row of the authorisation table.</summary>
public enum ConsentState
{
    /// <summary>No Consent at all: the jurisdiction profile (opt-in) decides.</summary>
    None,
    /// <summary>An active patient-privacy Consent whose base provision permits.</summary>
    Permit,
    /// <summary>An active patient-privacy Consent whose base provision denies.</summary>
    Deny,
    /// <summary>The permitting Consent, revoked (status inactive).</summary>
    Revoked,
    /// <summary>The permitting Consent, whose period ended before the request.</summary>
    Expired,
    /// <summary>No Consent, and the caller claims emergency access (break-glass, purpose ETREAT, 2 hours).</summary>
    BreakGlass,
}

/// <summary>What the door must do.</summary>
public enum Expected
{
    Deny,
    Permit,
    /// <summary>Permitted as emergency access: the audit record is flagged and a break-glass grant is opened.</summary>
    BreakGlassPermit,
}

/// <summary>One row: a role facing a consent state, and what the door does for reads (read, search, export) and writes (create, update).</summary>
public sealed record AuthorisationRow(CareLedgerRole Role, ConsentState Consent, Expected Reads, Expected Writes, string Why);

/// <summary>
/// The door's authorisation table at the library level: role × consent state, expanded over the actions. Every caller
/// holds every scope (scopes are refused before any of this; see <c>AccessGateTests</c>), every clinician holds a valid
/// credential, and every guardian or caregiver holds an unrestricted delegation from the (adult) patient. The HTTP-level
/// matrix is built on these same rows.
/// </summary>
public static class AuthorisationTable
{
    /// <summary>The actions each row is expanded over: the read-like ones take <see cref="AuthorisationRow.Reads"/>, the others <see cref="AuthorisationRow.Writes"/>.</summary>
    public static IReadOnlyList<AccessAction> Actions { get; } =
        [AccessAction.Read, AccessAction.Search, AccessAction.Export, AccessAction.Create, AccessAction.Update];

    public static IReadOnlyList<AuthorisationRow> Rows { get; } =
    [
        Row(CareLedgerRole.Patient, ConsentState.None, Permit, Permit, "the patient's own record (PATRQT)"),
        Row(CareLedgerRole.Patient, ConsentState.Permit, Permit, Permit, "the patient's own record"),
        Row(CareLedgerRole.Patient, ConsentState.Deny, Permit, Permit, "consents address others, never the patient"),
        Row(CareLedgerRole.Patient, ConsentState.Revoked, Permit, Permit, "the patient's own record"),
        Row(CareLedgerRole.Patient, ConsentState.Expired, Permit, Permit, "the patient's own record"),
        Row(CareLedgerRole.Patient, ConsentState.BreakGlass, Deny, Deny, "break-glass is only for credentialed clinicians"),

        Row(CareLedgerRole.Guardian, ConsentState.None, Permit, Permit, "delegate within scope"),
        Row(CareLedgerRole.Guardian, ConsentState.Permit, Permit, Permit, "delegate within scope"),
        Row(CareLedgerRole.Guardian, ConsentState.Deny, Permit, Permit, "a blanket deny addresses third parties, not the delegate"),
        Row(CareLedgerRole.Guardian, ConsentState.Revoked, Permit, Permit, "delegate within scope"),
        Row(CareLedgerRole.Guardian, ConsentState.Expired, Permit, Permit, "delegate within scope"),
        Row(CareLedgerRole.Guardian, ConsentState.BreakGlass, Deny, Deny, "break-glass is only for credentialed clinicians"),

        Row(CareLedgerRole.Caregiver, ConsentState.None, Permit, Permit, "delegate within scope"),
        Row(CareLedgerRole.Caregiver, ConsentState.Permit, Permit, Permit, "delegate within scope"),
        Row(CareLedgerRole.Caregiver, ConsentState.Deny, Permit, Permit, "a blanket deny addresses third parties, not the delegate"),
        Row(CareLedgerRole.Caregiver, ConsentState.Revoked, Permit, Permit, "delegate within scope"),
        Row(CareLedgerRole.Caregiver, ConsentState.Expired, Permit, Permit, "delegate within scope"),
        Row(CareLedgerRole.Caregiver, ConsentState.BreakGlass, Deny, Deny, "break-glass is only for credentialed clinicians"),

        Row(CareLedgerRole.Clinician, ConsentState.None, Deny, Permit, "opt-in: no consent, no read; writes record care at the custodian"),
        Row(CareLedgerRole.Clinician, ConsentState.Permit, Permit, Permit, "the consent permits"),
        Row(CareLedgerRole.Clinician, ConsentState.Deny, Deny, Permit, "the consent denies reads; writes record care"),
        Row(CareLedgerRole.Clinician, ConsentState.Revoked, Deny, Permit, "an inactive consent does not apply: the opt-in default denies"),
        Row(CareLedgerRole.Clinician, ConsentState.Expired, Deny, Permit, "an ended consent does not apply: the opt-in default denies"),
        Row(CareLedgerRole.Clinician, ConsentState.BreakGlass, BreakGlassPermit, Permit, "credentialed emergency access; writes record care"),

        Row(CareLedgerRole.Researcher, ConsentState.None, Deny, Deny, "opt-in: no consent, no research"),
        Row(CareLedgerRole.Researcher, ConsentState.Permit, Permit, Permit, "a blanket privacy permit covers research purposes"),
        Row(CareLedgerRole.Researcher, ConsentState.Deny, Deny, Deny, "the consent denies"),
        Row(CareLedgerRole.Researcher, ConsentState.Revoked, Deny, Deny, "the opt-in default denies"),
        Row(CareLedgerRole.Researcher, ConsentState.Expired, Deny, Deny, "the opt-in default denies"),
        Row(CareLedgerRole.Researcher, ConsentState.BreakGlass, Deny, Deny, "break-glass is only for credentialed clinicians"),

        Row(CareLedgerRole.System, ConsentState.None, Permit, Permit, "the custodian's own system"),
        Row(CareLedgerRole.System, ConsentState.Permit, Permit, Permit, "the custodian's own system"),
        Row(CareLedgerRole.System, ConsentState.Deny, Permit, Permit, "the custodian's own system"),
        Row(CareLedgerRole.System, ConsentState.Revoked, Permit, Permit, "the custodian's own system"),
        Row(CareLedgerRole.System, ConsentState.Expired, Permit, Permit, "the custodian's own system"),
        Row(CareLedgerRole.System, ConsentState.BreakGlass, Deny, Deny, "break-glass is only for credentialed clinicians"),

        .. NoRecordAccess(CareLedgerRole.PrivacyOfficer),
        .. NoRecordAccess(CareLedgerRole.BoardOfficer),
        .. NoRecordAccess(CareLedgerRole.Operator),
        .. NoRecordAccess(CareLedgerRole.Anonymous),
    ];

    /// <summary>Theory data: every row expanded over <see cref="Actions"/> as (role, action, consent state, expected).</summary>
    public static IEnumerable<object[]> Cases =>
        from row in Rows
        from action in Actions
        select new object[] { row.Role, action, row.Consent, ExpectedFor(row, action) };

    public static Expected ExpectedFor(AuthorisationRow row, AccessAction action) =>
        action is AccessAction.Create or AccessAction.Update or AccessAction.Delete ? row.Writes : row.Reads;

    public static AuthorisationRow Find(CareLedgerRole role, ConsentState consent) =>
        Rows.Single(r => r.Role == role && r.Consent == consent);

    private static AuthorisationRow Row(CareLedgerRole role, ConsentState consent, Expected reads, Expected writes, string why) =>
        new(role, consent, reads, writes, why);

    private static IEnumerable<AuthorisationRow> NoRecordAccess(CareLedgerRole role) =>
        Enum.GetValues<ConsentState>().Select(state => state == ConsentState.BreakGlass
            ? Row(role, state, Deny, Deny, "break-glass is only for credentialed clinicians")
            : Row(role, state, Deny, Deny, "role has no access to patient records"));
}
