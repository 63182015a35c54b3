namespace CareLedger.AccessApi;

/// <summary>Who, besides the privacy officer's overview, may see one patient's side of an access capability.</summary>
[Flags]
internal enum PatientViewers
{
    /// <summary>The patient, about themself.</summary>
    Patient = 1,
    /// <summary>A guardian or caregiver with a delegation from (or a court order for) the patient in force.</summary>
    Delegate = 2,
    /// <summary>The privacy officer, about anyone.</summary>
    PrivacyOfficer = 4,
    PatientOrPrivacyOfficer = Patient | PrivacyOfficer,
    All = Patient | Delegate | PrivacyOfficer,
}
