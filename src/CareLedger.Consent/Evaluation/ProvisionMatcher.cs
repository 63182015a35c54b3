using CareLedger.Consent.Compilation;
using CareLedger.Consent.Decisions;
using CareLedger.Consent.Model;

namespace CareLedger.Consent.Evaluation;

/// <summary>
/// Tests one provision against a request. Every constrained dimension must match; within a dimension any listed
/// value suffices. When a fact that a dimension needs is unknown, the answer leans toward denial: a deny
/// provision matches, a permit provision does not.
/// </summary>
internal static class ProvisionMatcher
{
    /// <summary>The first dimension that fails, or <see cref="ProvisionDimensions.None"/> when the provision matches.</summary>
    public static ProvisionDimensions FirstFailure(
        CompiledConsentSet set, in CompiledProvision provision, in RequestFacts facts, bool skipPeriod = false)
    {
        var constrained = provision.Constrained;
        if (constrained == ProvisionDimensions.None)
        {
            return ProvisionDimensions.None;
        }

        if (!skipPeriod && (constrained & ProvisionDimensions.Period) != 0
            && (facts.Time < provision.PeriodStart || facts.Time >= provision.PeriodEnd))
        {
            return ProvisionDimensions.Period;
        }

        if ((constrained & ProvisionDimensions.Actor) != 0 && !AnyActor(set, provision.Actors, facts))
        {
            return ProvisionDimensions.Actor;
        }

        if ((constrained & ProvisionDimensions.Action) != 0 && !Contains(set, provision.Actions, facts.ActionId))
        {
            return ProvisionDimensions.Action;
        }

        if ((constrained & ProvisionDimensions.Purpose) != 0 && !Contains(set, provision.Purposes, facts.PurposeId))
        {
            return ProvisionDimensions.Purpose;
        }

        if ((constrained & ProvisionDimensions.Class) != 0 && !Intersects(set, provision.Classes, facts.Classes))
        {
            return ProvisionDimensions.Class;
        }

        if ((constrained & ProvisionDimensions.SecurityLabel) != 0 && !Intersects(set, provision.Labels, facts.Labels))
        {
            return ProvisionDimensions.SecurityLabel;
        }

        if ((constrained & ProvisionDimensions.Code) != 0
            && !Resolve(facts.CodesKnown ? Intersects(set, provision.Codes, facts.Codes) : null, provision.IsDeny))
        {
            return ProvisionDimensions.Code;
        }

        if ((constrained & ProvisionDimensions.DataPeriod) != 0
            && !Resolve(
                facts.DataTimeKnown ? facts.DataTime >= provision.DataPeriodStart && facts.DataTime < provision.DataPeriodEnd : null,
                provision.IsDeny))
        {
            return ProvisionDimensions.DataPeriod;
        }

        if ((constrained & ProvisionDimensions.Data) != 0 && !Resolve(AnyData(set, provision.Data, facts), provision.IsDeny))
        {
            return ProvisionDimensions.Data;
        }

        return ProvisionDimensions.None;
    }

    private static bool Resolve(bool? matched, bool isDeny) => matched ?? isDeny;

    private static bool AnyActor(CompiledConsentSet set, PoolRange actors, in RequestFacts facts)
    {
        var pool = set.ActorPool;
        for (var i = actors.Offset; i < actors.End; i++)
        {
            var actor = pool[i];
            if ((actor.RoleId < 0 || Bits.Test(facts.Roles, actor.RoleId))
                && (actor.ReferenceId < 0 || Bits.Test(facts.RequesterReferences, actor.ReferenceId)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(CompiledConsentSet set, PoolRange codings, int id)
    {
        if (id < 0)
        {
            return false;
        }

        var pool = set.CodingPool;
        for (var i = codings.Offset; i < codings.End; i++)
        {
            if (pool[i] == id)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Intersects(CompiledConsentSet set, PoolRange codings, ReadOnlySpan<ulong> bits)
    {
        var pool = set.CodingPool;
        for (var i = codings.Offset; i < codings.End; i++)
        {
            if (Bits.Test(bits, pool[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True if any data reference selects the resource, null if none does but some could with unknown facts.</summary>
    private static bool? AnyData(CompiledConsentSet set, PoolRange data, in RequestFacts facts)
    {
        var unknown = false;
        var pool = set.DataPool;
        for (var i = data.Offset; i < data.End; i++)
        {
            var entry = pool[i];
            bool? selects = entry.Meaning switch
            {
                DataMeaning.Instance => IsResource(entry.ReferenceId, facts),
                DataMeaning.Related => Either(IsResource(entry.ReferenceId, facts), In(facts.ReferencedBy, facts.ReferencedByKnown, entry.ReferenceId)),
                DataMeaning.Dependents => Either(IsResource(entry.ReferenceId, facts), In(facts.References, facts.ReferencesKnown, entry.ReferenceId)),
                DataMeaning.AuthoredBy => In(facts.Authors, facts.AuthorsKnown, entry.ReferenceId),
                _ => null,
            };
            if (selects == true)
            {
                return true;
            }

            unknown |= selects is null;
        }

        return unknown ? null : false;
    }

    private static bool? IsResource(int referenceId, in RequestFacts facts) =>
        facts.ResourceReferenceKnown ? facts.ResourceReferenceId == referenceId : null;

    private static bool? In(ReadOnlySpan<ulong> bits, bool known, int referenceId) =>
        known ? Bits.Test(bits, referenceId) : null;

    private static bool? Either(bool? first, bool? second) =>
        first == true || second == true ? true : first is null || second is null ? null : false;
}
