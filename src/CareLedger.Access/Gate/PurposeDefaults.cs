using CareLedger.Access.Callers;

namespace CareLedger.Access.Gate;

/// <summary>The purpose of use (v3 ActReason code) a caller acts for when the request names none.</summary>
public static class PurposeDefaults
{
    public const string Treatment = "TREAT";
    public const string EmergencyTreatment = "ETREAT";
    public const string PatientRequested = "PATRQT";
    public const string FamilyRequested = "FAMRQT";
    public const string Research = "HRESCH";
    public const string Operations = "HOPERAT";
    public const string SystemAdministration = "HSYSADMIN";

    /// <summary>
    /// Clinicians and systems treat, patients ask for themselves, delegates for their family member, researchers
    /// research; a break-glass request is emergency treatment (ETREAT is never anyone's default otherwise).
    /// </summary>
    public static string For(CareLedgerRole role, bool breakGlass = false) => breakGlass ? EmergencyTreatment : role switch
    {
        CareLedgerRole.Clinician or CareLedgerRole.System => Treatment,
        CareLedgerRole.Patient => PatientRequested,
        CareLedgerRole.Guardian or CareLedgerRole.Caregiver => FamilyRequested,
        CareLedgerRole.Researcher => Research,
        CareLedgerRole.Operator => SystemAdministration,
        CareLedgerRole.PrivacyOfficer or CareLedgerRole.BoardOfficer => Operations,
        // The caller's own purpose is unknowable; what is recorded is a security event, kept for system administration.
        CareLedgerRole.Anonymous => SystemAdministration,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a CareLedger role"),
    };
}
