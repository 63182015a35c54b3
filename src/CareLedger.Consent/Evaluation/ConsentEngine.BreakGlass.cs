using CareLedger.Consent.Compilation;
using CareLedger.Consent.Decisions;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Consent.Evaluation;

public sealed partial class ConsentEngine
{
    /// <summary>
    /// Emergency access turns a deny into a flagged permit when the profile allows it, the purpose is ETREAT, the
    /// caller vouches for the credential, a reason is given and the expiry is in the future within the profile's
    /// maximum, unless the patient explicitly refused emergency access and the profile honours that.
    /// </summary>
    private Verdict ApplyBreakGlass(
        CompiledConsentSet consents,
        AccessRequest request,
        BreakGlassFacts breakGlass,
        ConsentEvaluation evaluation,
        Verdict verdict,
        List<DecisionReason> reasons)
    {
        if (verdict.Effect != DecisionEffect.Deny)
        {
            reasons.Add(new DecisionReason(
                ReasonCode.BreakGlassNotNeeded, "Emergency access was asked for but is not needed: the request is permitted without it."));
            return verdict;
        }

        var policy = Profile.BreakGlass;
        var refusals = reasons.Count;
        if (!policy.Enabled)
        {
            reasons.Add(new DecisionReason(
                ReasonCode.BreakGlassDisabled, $"Profile '{Profile.Name}' does not allow emergency access."));
        }

        if (request.Purpose != PurposesOfUse.EmergencyTreatment)
        {
            reasons.Add(new DecisionReason(
                ReasonCode.BreakGlassWrongPurpose,
                $"Emergency access requires the purpose ETREAT, not {request.Purpose.Code}.")
            { Dimensions = ProvisionDimensions.Purpose });
        }

        if (!breakGlass.CredentialValid)
        {
            reasons.Add(new DecisionReason(
                ReasonCode.BreakGlassNoCredential, "Emergency access requires a valid clinical credential."));
        }

        if (string.IsNullOrWhiteSpace(breakGlass.Reason))
        {
            reasons.Add(new DecisionReason(ReasonCode.BreakGlassNoReason, "Emergency access requires a stated reason."));
        }

        if (breakGlass.ExpiresAt <= request.Time)
        {
            reasons.Add(new DecisionReason(
                ReasonCode.BreakGlassExpired,
                $"Emergency access expiring at {ReasonTexts.Describe(breakGlass.ExpiresAt)} is not in the future."));
        }
        else if (breakGlass.ExpiresAt - request.Time > policy.MaxDuration)
        {
            reasons.Add(new DecisionReason(
                ReasonCode.BreakGlassTooLong,
                $"Emergency access may last at most {policy.MaxDuration} in profile '{Profile.Name}'."));
        }

        if (reasons.Count > refusals)
        {
            return verdict;
        }

        if (policy.PatientRefusalHonoured && evaluation.EmergencyRefusal >= 0)
        {
            var provision = consents.Provisions[evaluation.EmergencyRefusal].Decided;
            var refused = new DecisionReason(
                ReasonCode.BreakGlassRefusedByPatient,
                $"Consent {provision.Consent} {provision.ProvisionPath} explicitly denies emergency treatment access (ETREAT), and profile '{Profile.Name}' honours that refusal.")
            { Consent = provision.Consent, ProvisionPath = provision.ProvisionPath, Dimensions = ProvisionDimensions.Purpose };
            reasons.Add(refused);
            return Verdict.Deny(refused);
        }

        var granted = new DecisionReason(
            ReasonCode.BreakGlassGranted,
            $"Emergency access granted until {ReasonTexts.Describe(breakGlass.ExpiresAt)}, overriding: {verdict.Deciding.Message}");
        reasons.Add(granted);
        return new Verdict(DecisionEffect.BreakGlassPermit, granted,
        [
            new Obligation(ObligationCode.NotifyPatient, "Notify the patient of this emergency access."),
            new Obligation(ObligationCode.NotifyPrivacyOfficer, "Notify the privacy officer of this emergency access."),
            new Obligation(ObligationCode.EndAccessAt, $"End the emergency access at {ReasonTexts.Describe(breakGlass.ExpiresAt)}.")
            {
                Until = breakGlass.ExpiresAt,
            },
        ]);
    }
}
