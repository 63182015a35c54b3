using System.Numerics;
using CareLedger.Consent.Compilation;
using CareLedger.Consent.Decisions;

namespace CareLedger.Consent.Evaluation;

/// <summary>
/// Evaluates each consent of the set and ranks their outcomes. Within a consent a matching nested provision
/// overrides its parent (FHIR: nested provisions are exceptions); among matching siblings, and across consents,
/// the more specific outcome wins and at equal specificity deny beats permit.
/// </summary>
internal static class ConsentEvaluator
{
    public static ConsentEvaluation Evaluate(
        CompiledConsentSet set, in RequestFacts facts, bool researchPurpose, List<DecisionReason> reasons)
    {
        var evaluation = ConsentEvaluation.Nothing;
        var provisions = set.Provisions;
        foreach (var consent in set.Consents)
        {
            if (!consent.IsActive)
            {
                reasons.Add(consent.NotActive);
                continue;
            }

            if (consent.Applicability == ConsentApplicability.NoDataAccess
                || (consent.Applicability == ConsentApplicability.ResearchOnly && !researchPurpose))
            {
                reasons.Add(consent.ScopeNotApplicable);
                continue;
            }

            ref readonly var root = ref provisions[consent.Root];
            if (facts.Time < root.PeriodStart)
            {
                reasons.Add(consent.NotYetInForce);
                continue;
            }

            if (facts.Time >= root.PeriodEnd)
            {
                reasons.Add(consent.Ended);
                continue;
            }

            var failure = ProvisionMatcher.FirstFailure(set, root, facts, skipPeriod: true);
            if (failure != ProvisionDimensions.None)
            {
                reasons.Add(consent.NotCovered[BitOperations.TrailingZeroCount((int)failure)]);
                continue;
            }

            var outcome = DecideWithin(set, consent.Root, facts, ref evaluation);
            reasons.Add(provisions[outcome.Provision].Decided);
            if (outcome.Beats(evaluation.Best))
            {
                evaluation.Best = outcome;
            }
        }

        return evaluation;
    }

    /// <summary>The deciding provision in the subtree of a provision that matched.</summary>
    private static ProvisionOutcome DecideWithin(
        CompiledConsentSet set, int index, in RequestFacts facts, ref ConsentEvaluation evaluation)
    {
        var provisions = set.Provisions;
        ref readonly var provision = ref provisions[index];
        if (provision.RefusesEmergencyAccess && evaluation.EmergencyRefusal < 0)
        {
            evaluation.EmergencyRefusal = index;
        }

        var best = ProvisionOutcome.None;
        for (var child = index + 1; child < provision.SubtreeEnd; child = provisions[child].SubtreeEnd)
        {
            if (ProvisionMatcher.FirstFailure(set, provisions[child], facts) != ProvisionDimensions.None)
            {
                continue;
            }

            var outcome = DecideWithin(set, child, facts, ref evaluation);
            if (outcome.Beats(best))
            {
                best = outcome;
            }
        }

        return best.Exists ? best : new ProvisionOutcome(index, provision.Specificity, provision.IsDeny);
    }
}
