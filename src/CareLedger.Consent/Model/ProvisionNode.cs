namespace CareLedger.Consent.Model;

/// <summary>
/// FHIR R4 <c>Consent.provision</c>: a permit or deny rule over the requests it matches, with nested provisions as
/// exceptions to it. An empty list (or a null period) leaves that dimension unconstrained; a non-empty list matches
/// when any of its values matches; a provision matches when every constrained dimension matches.
/// </summary>
public sealed record ProvisionNode(ProvisionType Type)
{
    /// <summary><c>provision.period</c>: when the rule is in force (half-open, see <see cref="Model.Period"/>).</summary>
    public Period? Period { get; init; }

    /// <summary><c>provision.actor</c>: whom the rule controls.</summary>
    public IReadOnlyList<ProvisionActor> Actors { get; init; } = [];

    /// <summary><c>provision.action</c>: <c>consentaction</c> codes (collect, access, use, disclose, correct) or others.</summary>
    public IReadOnlyList<Coding> Actions { get; init; } = [];

    /// <summary><c>provision.securityLabel</c>: matches resources carrying any of these labels.</summary>
    public IReadOnlyList<Coding> SecurityLabels { get; init; } = [];

    /// <summary><c>provision.purpose</c>: purposes of use (v3 ActReason: TREAT, ETREAT, HRESCH, ...).</summary>
    public IReadOnlyList<Coding> Purposes { get; init; } = [];

    /// <summary><c>provision.class</c>: resource types (<c>http://hl7.org/fhir/resource-types</c>) or profile / class codes.</summary>
    public IReadOnlyList<Coding> Classes { get; init; } = [];

    /// <summary><c>provision.code</c>: codes found in the resource (flattened CodeableConcepts).</summary>
    public IReadOnlyList<Coding> Codes { get; init; } = [];

    /// <summary><c>provision.dataPeriod</c>: the clinical time of the data the rule controls (half-open).</summary>
    public Period? DataPeriod { get; init; }

    /// <summary><c>provision.data</c>: specific resources the rule controls.</summary>
    public IReadOnlyList<DataReference> Data { get; init; } = [];

    /// <summary><c>provision.provision</c>: exceptions to this rule.</summary>
    public IReadOnlyList<ProvisionNode> Provisions { get; init; } = [];
}
