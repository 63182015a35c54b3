using CareLedger.Consent.Decisions;
using CareLedger.Consent.Profiles;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Consent.Evaluation;

public sealed partial class ConsentEngine
{
    private readonly DefaultReasons _defaultReasons;

    private Verdict ProfileDefault(AccessRequest request, List<DecisionReason> reasons)
    {
        var reason = Profile.Default switch
        {
            NoConsentDefault.PermitTreatmentByCareTeam when request.Purpose != PurposesOfUse.Treatment => _defaultReasons.NotTreatment,
            NoConsentDefault.PermitTreatmentByCareTeam when !request.Requester.IsCareTeamMember => _defaultReasons.NotCareTeam,
            NoConsentDefault.PermitTreatmentByCareTeam when CarriesAny(request.Resource, Profile.DefaultPermitExcludesLabels) => _defaultReasons.ExcludedLabel,
            NoConsentDefault.PermitTreatmentByCareTeam => _defaultReasons.Permits,
            _ => _defaultReasons.Denies,
        };
        reasons.Add(reason);
        return reason.Code == ReasonCode.ProfileDefaultPermits ? Verdict.Permit(reason) : Verdict.Deny(reason);
    }

    private static bool CarriesAny(RequestedResource resource, IReadOnlyList<Model.Coding> labels)
    {
        for (var i = 0; i < resource.SecurityLabels.Count; i++)
        {
            for (var j = 0; j < labels.Count; j++)
            {
                if (resource.SecurityLabels[i] == labels[j])
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The profile's default reasons, written once per engine.</summary>
    private sealed class DefaultReasons(JurisdictionProfile profile)
    {
        public DecisionReason Denies { get; } = new(
            ReasonCode.ProfileDefaultDenies, $"{NoConsent(profile)} denies by default.");

        public DecisionReason Permits { get; } = new(
            ReasonCode.ProfileDefaultPermits,
            $"{NoConsent(profile)} permits treatment (TREAT) by the patient's care team until the patient opts out.");

        public DecisionReason NotTreatment { get; } = new(
            ReasonCode.ProfileDefaultDenies,
            $"{NoConsent(profile)} denies: without consent it permits only the purpose TREAT.");

        public DecisionReason NotCareTeam { get; } = new(
            ReasonCode.ProfileDefaultDenies,
            $"{NoConsent(profile)} denies: without consent it permits only the patient's care team.");

        public DecisionReason ExcludedLabel { get; } = new(
            ReasonCode.ProfileDefaultDenies,
            $"{NoConsent(profile)} denies: resources labelled {ReasonTexts.Describe(profile.DefaultPermitExcludesLabels)} need the patient's explicit consent.");

        private static string NoConsent(JurisdictionProfile profile) =>
            $"No consent of the patient decides this request, so profile '{profile.Name}'";
    }
}
