using System.Globalization;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;

// The invariant's key and expression are read from Firely's compiled assertion, marked experimental by Firely.
#pragma warning disable ExperimentalApi

namespace CareLedger.Fhir.Validation.Compiled;

/// <summary>
/// The most frequent error-level invariants of the base specification in the cases where their FHIRPath expression is
/// true by one operand that the element's own properties decide: <c>dom-2</c>..<c>dom-5</c> when nothing is contained (dom-3 also when every contained resource is referenced),
/// <c>ref-1</c> when the reference is absent or not local, <c>per-1</c> when the period is open, <c>qty-3</c> without a
/// code or with a system, and so on. "x.empty()" is true when the element is absent and "x.exists()" when it is present
/// (with or without a value). A shortcut applies only to the exact expression text it was written for (a changed
/// specification package falls back to evaluating the expression), and a false answer only means "evaluate it".
/// </summary>
internal static class InvariantShortcuts
{
    private const string ConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    private const string ConditionVerStatus = "http://terminology.hl7.org/CodeSystem/condition-ver-status";

    private static readonly Dictionary<string, (string Expression, Func<Base, bool> Holds)> s_shortcuts = new(StringComparer.Ordinal)
    {
        ["dom-2"] = ("contained.contained.empty()", e => EveryContained(e, c => c is not DomainResource { Contained.Count: > 0 })),
        ["dom-3"] = ("contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()", EveryContainedIsReferenced),
        ["dom-4"] = ("contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()", e => EveryContained(e, c => c.Meta is null || c.Meta is { VersionIdElement: null, LastUpdatedElement: null })),
        ["dom-5"] = ("contained.meta.security.empty()", e => EveryContained(e, c => c.Meta is null || c.Meta.Security.Count == 0)),
        ["ref-1"] = ("reference.exists() implies (reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids')) or (reference='#' and %rootResource!=%resource))", AbsentOrNotLocal),
        ["per-1"] = ("start.hasValue().not() or end.hasValue().not() or (start <= end)", OpenPeriod),
        ["qty-3"] = ("code.empty() or system.exists()", e => e is Quantity q && (q.CodeElement is null || q.SystemElement is not null)),
        ["sqty-1"] = ("comparator.empty()", e => e is Quantity { ComparatorElement: null }),
        ["cpt-2"] = ("value.empty() or system.exists()", e => e is ContactPoint c && (c.ValueElement is null || c.SystemElement is not null)),
        ["att-1"] = ("data.empty() or contentType.exists()", e => e is Attachment a && (a.DataElement is null || a.ContentTypeElement is not null)),
        ["obs-6"] = ("dataAbsentReason.empty() or value.empty()", e => e is Observation o && (o.DataAbsentReason is null || o.Value is null)),
        ["obs-7"] = ("value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()", e => e is Observation o && (o.Value is null || o.Component.Count == 0)),
        ["org-2"] = ("where(use = 'home').empty()", e => e is Address a && a.UseElement?.JsonValue is not "home" || e is ContactPoint c && c.UseElement?.JsonValue is not "home"),
        ["org-3"] = ("where(use = 'home').empty()", e => e is Address a && a.UseElement?.JsonValue is not "home" || e is ContactPoint c && c.UseElement?.JsonValue is not "home"),
        ["prr-1"] = ("orderDetail.empty() or code.exists()", e => e is ServiceRequest r && (r.OrderDetail.Count == 0 || r.Code is not null)),
        ["org-1"] = ("(identifier.count() + name.count()) > 0", e => e is Organization o && (o.Identifier.Count > 0 || o.NameElement is not null)),
        ["cpl-3"] = ("detail.empty() or reference.empty()", e => e is CarePlan.ActivityComponent a && (a.Detail is null || a.Reference is null)),
        ["con-4"] = ("abatement.empty() or clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-clinical' and (code='resolved' or code='remission' or code='inactive')).exists()", e => e is Condition c && (c.Abatement is null || c.ClinicalStatus is { } status && status.Coding.Exists(k => IsCoding(k, ConditionClinical, "resolved", "remission", "inactive")))),
        ["con-5"] = ("verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and code='entered-in-error').empty() or clinicalStatus.empty()", e => e is Condition c && (c.VerificationStatus is null || c.ClinicalStatus is null || !c.VerificationStatus.Coding.Exists(k => IsCoding(k, ConditionVerStatus, "entered-in-error", null, null)))),
    };

    /// <summary>
    /// The shortcut written for this invariant's key and exact expression text, or null (a changed specification package
    /// falls back to evaluating the expression). The shortcut's true means "it holds"; false means "evaluate it".
    /// </summary>
    public static Func<Base, bool>? For(FhirPathValidator invariant) =>
        s_shortcuts.TryGetValue(invariant.Key, out var shortcut) && string.Equals(shortcut.Expression, invariant.Expression, StringComparison.Ordinal)
            ? shortcut.Holds
            : null;

    /// <summary>Whether this is ref-1 as the shortcuts know it (see <see cref="IsLocalReferenceToContained"/>).</summary>
    public static bool IsRef1(FhirPathValidator invariant) =>
        string.Equals(invariant.Key, "ref-1", StringComparison.Ordinal)
        && string.Equals(s_shortcuts["ref-1"].Expression, invariant.Expression, StringComparison.Ordinal);

    /// <summary>Whether this is dom-3 as the shortcuts know it (the compiled checks answer it after their walk on the resource itself).</summary>
    public static bool IsDom3(FhirPathValidator invariant) =>
        string.Equals(invariant.Key, "dom-3", StringComparison.Ordinal)
        && string.Equals(s_shortcuts["dom-3"].Expression, invariant.Expression, StringComparison.Ordinal);

    /// <summary>ref-1 also holds for a local reference that names a resource contained in the root resource.</summary>
    public static bool IsLocalReferenceToContained(PocoNode node, Func<PocoNode, string, Resource?> findContained) =>
        node.Poco is ResourceReference { Reference: ['#', .. var id] } && id.Length > 0
        && findContained(node, id) is not null;

    /// <summary>
    /// dom-3 on a resource (%resource is then the resource itself): it holds when nothing is contained, or when every
    /// contained resource has an id and some Reference anywhere in the resource (contained ones included, as
    /// <c>descendants()</c> reaches them) is exactly <c>'#' + id</c>; the other alternatives of the expression can only add
    /// matches. A contained resource without an id is left to the expression.
    /// </summary>
    private static bool EveryContainedIsReferenced(Base element)
    {
        if (element is not DomainResource resource)
        {
            return false;
        }

        if (resource.Contained.Count == 0)
        {
            return true;
        }

        var references = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in Storage.ResourceReferences.All(resource))
        {
            if (reference.Reference is ['#', ..] text)
            {
                references.Add(text);
            }
        }

        foreach (var contained in resource.Contained)
        {
            if (contained.Id is not { } id || !references.Contains("#" + id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether <c>coding.where(system = '…' and (code = '…' or …))</c> selects this coding: both FHIRPath equalities are
    /// exact string equalities of the values, true only where both values are present and equal (an absent value makes the
    /// comparison empty, which <c>where</c> does not select).
    /// </summary>
    private static bool IsCoding(Coding coding, string system, string code, string? orCode, string? orCode2) =>
        string.Equals(coding.System, system, StringComparison.Ordinal)
        && coding.Code is { } value && (value == code || value == orCode || value == orCode2);

    private static bool EveryContained(Base element, Func<Resource, bool> holds) =>
        element is DomainResource resource && resource.Contained.TrueForAll(c => holds(c));

    // "false implies x" is true, and so is "true implies (true or x)".
    private static bool AbsentOrNotLocal(Base element) =>
        element is ResourceReference reference
        && (reference.ReferenceElement is null || reference.Reference is { } text && !text.StartsWith('#'));

    // Both ends to the second with an offset, in order: "start <= end" compares two instants and is true.
    private static bool OpenPeriod(Base element) =>
        element is Period period && (period.Start is null || period.End is null
            || SecondsWithOffset(period.Start) is { } start && SecondsWithOffset(period.End) is { } end && start <= end);

    private static DateTimeOffset? SecondsWithOffset(string value) =>
        value.Length == 25 && value[19] is '+' or '-'
        && DateTimeOffset.TryParseExact(value, "yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
            ? instant
            : null;
}
