using System.Numerics;
using CareLedger.Consent.Decisions;
using CareLedger.Consent.Model;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Consent.Compilation;

/// <summary>Lays validated consents out as flat arrays of provisions over interned codes and references.</summary>
internal sealed class ConsentSetBuilder
{
    private readonly List<CompiledConsent> _consents = [];
    private readonly List<CompiledProvision> _provisions = [];
    private readonly List<int> _codingPool = [];
    private readonly List<ActorEntry> _actorPool = [];
    private readonly List<DataEntry> _dataPool = [];
    private readonly Dictionary<Coding, int> _codingIds = [];
    private readonly Dictionary<string, int> _referenceIds = new(StringComparer.Ordinal);

    public void Add(ConsentDirective consent)
    {
        var root = _provisions.Count;
        AddProvision(consent.Id, consent.Provision, "provision", parentSpecificity: 0);
        var period = consent.Provision.Period ?? Period.Always;
        _consents.Add(new CompiledConsent
        {
            Id = consent.Id,
            IsActive = consent.Status == ConsentStatus.Active,
            Applicability = ApplicabilityOf(consent.Scope),
            Root = root,
            NotActive = new DecisionReason(
                ReasonCode.ConsentNotActive,
                $"Consent {consent.Id} does not apply: its status is {ReasonTexts.StatusCode(consent.Status)}.")
            { Consent = consent.Id },
            ScopeNotApplicable = new DecisionReason(
                ReasonCode.ConsentScopeNotApplicable,
                ApplicabilityOf(consent.Scope) == ConsentApplicability.ResearchOnly
                    ? $"Consent {consent.Id} governs research and the purpose of use is not research."
                    : $"Consent {consent.Id} does not govern data access: its scope is {consent.Scope.Code}.")
            { Consent = consent.Id },
            NotYetInForce = new DecisionReason(
                ReasonCode.ConsentNotYetInForce,
                $"Consent {consent.Id} does not apply yet: its period starts at {Describe(period.Start)}.")
            { Consent = consent.Id, ProvisionPath = "provision", Dimensions = ProvisionDimensions.Period },
            Ended = new DecisionReason(
                ReasonCode.ConsentEnded,
                $"Consent {consent.Id} no longer applies: its period ended at {Describe(period.End)}.")
            { Consent = consent.Id, ProvisionPath = "provision", Dimensions = ProvisionDimensions.Period },
            NotCovered = NotCoveredReasons(consent.Id),
        });
    }

    public CompiledConsentSet Build(PatientId patient) => new(
        patient,
        [.. _consents],
        [.. _provisions],
        [.. _codingPool],
        [.. _actorPool],
        [.. _dataPool],
        _codingIds,
        _referenceIds);

    private int AddProvision(ConsentId consent, ProvisionNode node, string path, int parentSpecificity)
    {
        var index = _provisions.Count;
        _provisions.Add(default);

        var constrained = ConstrainedDimensions(node);
        var specificity = parentSpecificity + ((constrained & ~ProvisionDimensions.Period) != 0 ? 1 : 0);
        var period = node.Period ?? Period.Always;
        var dataPeriod = node.DataPeriod ?? Period.Always;
        var isDeny = node.Type == ProvisionType.Deny;
        var actors = AddActors(node.Actors);
        var actions = AddCodings(node.Actions);
        var labels = AddCodings(node.SecurityLabels);
        var purposes = AddCodings(node.Purposes);
        var classes = AddCodings(node.Classes);
        var codes = AddCodings(node.Codes);
        var data = AddData(node.Data);

        for (var i = 0; i < node.Provisions.Count; i++)
        {
            AddProvision(consent, node.Provisions[i], $"{path}.provision[{i}]", specificity);
        }

        var verb = isDeny ? "denies" : "permits";
        var matched = constrained == ProvisionDimensions.None
            ? "it has no constraints, so it matches every request"
            : $"it matches on {ReasonTexts.Describe(constrained)}";
        _provisions[index] = new CompiledProvision
        {
            SubtreeEnd = _provisions.Count,
            IsDeny = isDeny,
            Specificity = specificity,
            Constrained = constrained,
            PeriodStart = period.Start?.UtcTicks ?? long.MinValue,
            PeriodEnd = period.End?.UtcTicks ?? long.MaxValue,
            DataPeriodStart = dataPeriod.Start?.UtcTicks ?? long.MinValue,
            DataPeriodEnd = dataPeriod.End?.UtcTicks ?? long.MaxValue,
            Actors = actors,
            Actions = actions,
            Labels = labels,
            Purposes = purposes,
            Classes = classes,
            Codes = codes,
            Data = data,
            RefusesEmergencyAccess = isDeny && node.Purposes.Contains(PurposesOfUse.EmergencyTreatment),
            Decided = new DecisionReason(
                isDeny ? ReasonCode.ProvisionDenies : ReasonCode.ProvisionPermits,
                $"Consent {consent} {path} {verb}: {matched} (specificity {specificity}).")
            { Consent = consent, ProvisionPath = path, Dimensions = constrained },
        };
        return index;
    }

    private static ProvisionDimensions ConstrainedDimensions(ProvisionNode node)
    {
        var dimensions = ProvisionDimensions.None;
        if (node.Period is { } period && period != Period.Always)
        {
            dimensions |= ProvisionDimensions.Period;
        }

        if (node.DataPeriod is { } dataPeriod && dataPeriod != Period.Always)
        {
            dimensions |= ProvisionDimensions.DataPeriod;
        }

        dimensions |= node.Actors.Count > 0 ? ProvisionDimensions.Actor : 0;
        dimensions |= node.Actions.Count > 0 ? ProvisionDimensions.Action : 0;
        dimensions |= node.SecurityLabels.Count > 0 ? ProvisionDimensions.SecurityLabel : 0;
        dimensions |= node.Purposes.Count > 0 ? ProvisionDimensions.Purpose : 0;
        dimensions |= node.Classes.Count > 0 ? ProvisionDimensions.Class : 0;
        dimensions |= node.Codes.Count > 0 ? ProvisionDimensions.Code : 0;
        dimensions |= node.Data.Count > 0 ? ProvisionDimensions.Data : 0;
        return dimensions;
    }

    private PoolRange AddCodings(IReadOnlyList<Coding> codings)
    {
        var offset = _codingPool.Count;
        foreach (var coding in codings)
        {
            _codingPool.Add(InternCoding(coding));
        }

        return new PoolRange(offset, codings.Count);
    }

    private PoolRange AddActors(IReadOnlyList<ProvisionActor> actors)
    {
        var offset = _actorPool.Count;
        foreach (var actor in actors)
        {
            _actorPool.Add(new ActorEntry(
                actor.Role is { } role ? InternCoding(role) : -1,
                actor.Reference is { } reference ? InternReference(reference) : -1));
        }

        return new PoolRange(offset, actors.Count);
    }

    private PoolRange AddData(IReadOnlyList<DataReference> data)
    {
        var offset = _dataPool.Count;
        foreach (var reference in data)
        {
            _dataPool.Add(new DataEntry(reference.Meaning, InternReference(reference.Reference)));
        }

        return new PoolRange(offset, data.Count);
    }

    private int InternCoding(Coding coding)
    {
        if (!_codingIds.TryGetValue(coding, out var id))
        {
            id = _codingIds.Count;
            _codingIds.Add(coding, id);
        }

        return id;
    }

    private int InternReference(string reference)
    {
        if (!_referenceIds.TryGetValue(reference, out var id))
        {
            id = _referenceIds.Count;
            _referenceIds.Add(reference, id);
        }

        return id;
    }

    private static DecisionReason[] NotCoveredReasons(ConsentId consent)
    {
        var reasons = new DecisionReason[ReasonTexts.SingleDimensions.Count];
        foreach (var dimension in ReasonTexts.SingleDimensions)
        {
            reasons[BitOperations.TrailingZeroCount((int)dimension)] = new DecisionReason(
                ReasonCode.ConsentDoesNotCover,
                $"Consent {consent} does not cover this request: its base provision does not match on {ReasonTexts.Describe(dimension)}.")
            { Consent = consent, ProvisionPath = "provision", Dimensions = dimension };
        }

        return reasons;
    }

    private static ConsentApplicability ApplicabilityOf(Coding scope) => scope.Code switch
    {
        "patient-privacy" => ConsentApplicability.AllDataAccess,
        "research" => ConsentApplicability.ResearchOnly,
        _ => ConsentApplicability.NoDataAccess,
    };

    private static string Describe(DateTimeOffset? instant) => instant is { } value ? ReasonTexts.Describe(value) : "(open)";
}
