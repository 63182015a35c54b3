using CareLedger.Consent.Compilation;
using CareLedger.Consent.Decisions;
using CareLedger.Consent.Model;
using CareLedger.Consent.Profiles;
using CareLedger.Consent.Requests;

namespace CareLedger.Consent.Evaluation;

/// <summary>
/// Decides access requests against a patient's compiled consents under one jurisdiction profile. Pure and
/// deterministic: the same set, request and profile always give the same decision. Immutable and thread-safe.
/// </summary>
public sealed partial class ConsentEngine
{
    // Larger sets (thousands of distinct codes) fall back to a heap buffer.
    private const int MaxStackWords = 256;

    private readonly HashSet<Coding> _researchPurposes;

    /// <exception cref="ArgumentException">The profile is incomplete (no name, no default, a non-positive break-glass duration, an incomplete coding).</exception>
    public ConsentEngine(JurisdictionProfile profile)
    {
        ValidateProfile(profile);
        Profile = profile;
        _researchPurposes = [.. profile.ResearchPurposes];
        _defaultReasons = new DefaultReasons(profile);
    }

    public JurisdictionProfile Profile { get; }

    /// <summary>Decides one request. Every decision carries its reasons; a permit may carry obligations.</summary>
    /// <exception cref="ArgumentException">The request is incomplete or contradictory, or is for another patient than the set.</exception>
    public ConsentDecision Decide(CompiledConsentSet consents, AccessRequest request)
    {
        ArgumentNullException.ThrowIfNull(consents);
        RequestValidation.Validate(request, consents.Patient);

        var reasons = new List<DecisionReason>(consents.ConsentCount + 2);
        var words = RequestFacts.BufferWords(consents);
        Span<ulong> buffer = words <= MaxStackWords ? stackalloc ulong[words] : new ulong[words];
        var facts = RequestFacts.Create(consents, request, buffer);
        var evaluation = ConsentEvaluator.Evaluate(consents, facts, _researchPurposes.Contains(request.Purpose), reasons);

        Verdict verdict;
        if (request.Delegation is { } delegation)
        {
            verdict = DecideForDelegate(consents, request, delegation, evaluation, reasons);
        }
        else if (evaluation.Best.Exists)
        {
            verdict = FromConsent(consents, evaluation.Best);
        }
        else
        {
            verdict = ProfileDefault(request, reasons);
        }

        if (request.BreakGlass is { } breakGlass)
        {
            verdict = ApplyBreakGlass(consents, request, breakGlass, evaluation, verdict, reasons);
        }

        return verdict.ToDecision(reasons);
    }

    private static Verdict FromConsent(CompiledConsentSet consents, ProvisionOutcome outcome)
    {
        var reason = consents.Provisions[outcome.Provision].Decided;
        return outcome.IsDeny ? Verdict.Deny(reason) : Verdict.Permit(reason);
    }

    private static void ValidateProfile(JurisdictionProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentException.ThrowIfNullOrWhiteSpace(profile.Name, nameof(profile));
        if (profile.Default == NoConsentDefault.Unspecified || !Enum.IsDefined(profile.Default))
        {
            throw new ArgumentException($"Profile '{profile.Name}' has no known default ({(int)profile.Default}).", nameof(profile));
        }

        if (profile.BreakGlass is null || profile.BreakGlass.MaxDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Profile '{profile.Name}' needs a break-glass policy with a positive maximum duration.", nameof(profile));
        }

        RequireComplete(profile, profile.DefaultPermitExcludesLabels, nameof(profile.DefaultPermitExcludesLabels));
        RequireComplete(profile, profile.WithheldFromGuardiansOfMinors, nameof(profile.WithheldFromGuardiansOfMinors));
        RequireComplete(profile, profile.ResearchPurposes, nameof(profile.ResearchPurposes));
    }

    private static void RequireComplete(JurisdictionProfile profile, IReadOnlyList<Coding>? codings, string name)
    {
        if (codings is null || codings.Any(coding => !coding.IsComplete))
        {
            throw new ArgumentException($"Profile '{profile.Name}': {name} must be a list of codings with system and code.", nameof(profile));
        }
    }
}
