using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Storage;
using CareLedger.Identity.Api;
using CareLedger.Node;

namespace CareLedger.AccessApi;

/// <summary>
/// Who may see or manage what about a patient outside the clinical record (access log, notifications, delegations,
/// reports): the patient themself, a guardian or caregiver while a delegation for the patient is in force, and the
/// privacy officer for anyone. Decided from the caller's token before anything about the patient is looked up, so
/// that a refusal reveals nothing (not even whether the patient has records here).
/// </summary>
internal static class PatientAuthority
{
    /// <summary>The patient a patient-role caller is: their <c>fhirUser</c>, <c>Patient/&lt;id&gt;</c>.</summary>
    public static string? SelfPatientId(CallerContext caller) =>
        caller.Role == CareLedgerRole.Patient && caller.Reference is { ResourceType: "Patient" } self ? self.Id : null;

    /// <summary>A patient named in a query (<c>p-1</c> or <c>Patient/p-1</c>); null when absent; 400 when malformed.</summary>
    public static string? ParsePatient(string? value, string parameter)
    {
        if (value is null)
        {
            return null;
        }

        var id = value.StartsWith("Patient/", StringComparison.Ordinal) ? value["Patient/".Length..] : value;
        return ResourceRepository.IsValidId(id)
            ? id
            : throw FhirProblemException.BadRequest($"'{parameter}' must name a Patient by its id (or Patient/<id>), not '{value}'");
    }

    /// <summary>
    /// The patient the request is about: the caller's own for a patient, the patient a delegate acts for (or names),
    /// the one named for the privacy officer — null when the privacy officer names none (the caller decides whether
    /// that means "everyone" or is a 400).
    /// </summary>
    /// <param name="requested">The patient named by the request, if any (already parsed).</param>
    /// <param name="what">What is asked for, in plain words, for the 403 ("access log").</param>
    public static ViewedPatient? Resolve(CallerContext caller, CareLedgerNode node, string? requested, PatientViewers viewers, string what)
    {
        switch (caller.Role)
        {
            case CareLedgerRole.Patient when viewers.HasFlag(PatientViewers.Patient):
                var self = SelfPatientId(caller)
                    ?? throw AccessProblems.Forbidden("the access token names no Patient (fhirUser) for this patient account");
                if (requested is not null && !string.Equals(requested, self, StringComparison.Ordinal))
                {
                    throw AccessProblems.Forbidden($"a patient sees and manages only their own {what}");
                }

                return new ViewedPatient(self, node.Gate.PseudonymOf(self));
            case CareLedgerRole.Guardian or CareLedgerRole.Caregiver when viewers.HasFlag(PatientViewers.Delegate):
                var patient = requested ?? caller.PatientId
                    ?? throw FhirProblemException.BadRequest("name the patient you act for: ?patient=<id>");
                var pseudonym = node.Gate.PseudonymOf(patient);
                if (pseudonym is null || !HasDelegationInForce(caller, node, pseudonym))
                {
                    throw AccessProblems.Forbidden($"a {caller.Role.ToName()} sees the {what} of a patient only while a delegation from that patient to them is in force; there is none for patient {patient}");
                }

                return new ViewedPatient(patient, pseudonym);
            case CareLedgerRole.PrivacyOfficer when viewers.HasFlag(PatientViewers.PrivacyOfficer):
                return requested is null ? null : new ViewedPatient(requested, node.Gate.PseudonymOf(requested));
            default:
                throw AccessProblems.Forbidden($"a caller with role {caller.Role.ToName()} may not see or manage a patient's {what}; {Who(viewers)} may");
        }
    }

    /// <summary>As <see cref="Resolve"/>, but the privacy officer must name the patient too.</summary>
    public static ViewedPatient ResolveNamed(CallerContext caller, CareLedgerNode node, string? requested, PatientViewers viewers, string what) =>
        Resolve(caller, node, requested, viewers, what)
            ?? throw FhirProblemException.BadRequest($"name the patient whose {what} you ask for: ?patient=<id>");

    private static bool HasDelegationInForce(CallerContext caller, CareLedgerNode node, byte[] pseudonym) =>
        caller.Reference?.ToString() is { } reference
        && node.Delegations.Find(reference, pseudonym) is { RevokedAt: null } grant
        && grant.Scope.Period.Contains(TimeProvider.System.GetUtcNow());

    private static string Who(PatientViewers viewers)
    {
        var who = new List<string>();
        if (viewers.HasFlag(PatientViewers.Patient))
        {
            who.Add("the patient themself");
        }

        if (viewers.HasFlag(PatientViewers.Delegate))
        {
            who.Add("a guardian or caregiver with a delegation in force");
        }

        if (viewers.HasFlag(PatientViewers.PrivacyOfficer))
        {
            who.Add("a privacy officer");
        }

        return string.Join(", ", who);
    }
}
