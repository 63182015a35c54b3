using Firely.Fhir.Validation;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;

#pragma warning disable ExperimentalApi

namespace CareLedger.Fhir.Validation.Compiled;

/// <summary>The checks whose work depends on the instance: extensions, references, bindings, ele-1, and Firely's own answers.</summary>
internal sealed partial class CompiledBaseSpec
{
    private static readonly Type s_primitiveNodeType = PocoNode.ForPrimitive(new FhirString("x")).GetType();

    private readonly BoundedMemo<(IAssertion, string, string)> bindings = new(capacity: 50_000);
    private readonly BoundedMemo<(IAssertion, string)> unresolvedReferences = new(capacity: 50_000);
    private readonly BoundedMemo<(IAssertion, Type, string)> valueRules = new(capacity: 50_000);
    private readonly BoundedMemo<(IAssertion, string)> urlConditions = new(capacity: 10_000);
    private readonly BoundedMemo<(IAssertion, Type, object)> numberRules = new(capacity: 10_000);

    /// <summary>One validation state per resource, as the Firely validator keeps one per run.</summary>
    [ThreadStatic]
    private static ValidationState? t_state;

    /// <summary>ele-1 is asserted twice on most elements (by the element and by its type); the second time is free.</summary>
    [ThreadStatic]
    private static PocoNode? t_lastElementWithContent;

    /// <summary>The last POCO whose elements were listed on this thread, and its list (<see cref="ElementsOf"/>).</summary>
    [ThreadStatic]
    private static Base? t_listedPoco;

    [ThreadStatic]
    private static KeyValuePair<string, object>[]? t_listedElements;

    [ThreadStatic]
    private static List<KeyValuePair<string, object>>? t_scratch;

    /// <summary>dom-3 on the resource being certified, answered after the walk (<see cref="CompileInvariant"/>).</summary>
    [ThreadStatic]
    private static (FhirPathValidator Invariant, PocoNode Node)? t_deferredDom3;

    /// <summary>The local references (<c>#id</c>) the walk has met in the resource being certified.</summary>
    [ThreadStatic]
    private static HashSet<string>? t_localReferences;

    private static ValidationState State => t_state ??= new ValidationState();

    private static bool Defer(FhirPathValidator invariant, PocoNode node)
    {
        t_deferredDom3 = (invariant, node);
        return true;
    }

    /// <summary>
    /// dom-3 holds on a resource when every contained resource has an id and a Reference in the resource is exactly
    /// <c>'#' + id</c> (the expression's other alternatives can only add matches): here, one of the references the walk met.
    /// </summary>
    private static bool EveryContainedIsReferenced(PocoNode node, HashSet<string>? references)
    {
        if (references is null || node.Poco is not DomainResource resource)
        {
            return false;
        }

        foreach (var contained in resource.Contained)
        {
            if (contained.Id is not { Length: > 0 } id || !references.Contains("#" + id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Extensions as Firely groups them: by url; a url that resolves to a definition is checked against it, an unknown one
    /// only against Extension (Firely warns), except on a modifierExtension, where Firely reports an error.
    /// </summary>
    private bool Extensions(ExtensionSchema extension, IReadOnlyList<PocoNode> nodes)
    {
        if (settings.FollowExtensionUrl is not null)
        {
            return AnswerGroup(extension, nodes);
        }

        foreach (var group in nodes.GroupBy(ExtensionSchema.GetExtensionUri))
        {
            var list = group.ToList();
            ElementSchema schema = extension;
            if (group.Key is { } url)
            {
                var definition = Resolve(url.ToString());
                if (definition is null && string.Equals(((ISourceNode)list[0]).Name, "modifierExtension", StringComparison.Ordinal))
                {
                    return false;
                }

                if (definition is not null and not ExtensionSchema)
                {
                    return false;
                }

                schema = definition ?? extension;
            }

            if (ElementGroup(schema).Check is { } check && !check(list))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// References. To a contained resource: the target was checked against its own type's schema where the walk met it in
    /// <c>contained</c>, so only its type has to be an allowed target. Any other reference, in a resource that is not in a
    /// Bundle, cannot be resolved here (no external resolver), so Firely's answer depends only on the validator (its
    /// targets) and the reference's form: it is remembered per form, with the id standing for any well-formed id.
    /// </summary>
    private bool References(ReferencedInstanceValidator references, PocoNode node)
    {
        if (node.Poco is ResourceReference { Reference: ['#', ..] local })
        {
            (t_localReferences ??= new HashSet<string>(StringComparer.Ordinal)).Add(local);
        }

        if (references.AggregationRules is { Count: > 0 } || references.VersioningRules is not null and not ReferenceVersionRules.Either
            || node.Poco is not ResourceReference { Reference: { } text } reference)
        {
            return Answer(references, node);
        }

        if (text.StartsWith('#'))
        {
            return FindContained(node, text[1..]) is { } target
                && references.TargetCases?.Any(c => string.Equals(c.Type, target.TypeName, StringComparison.Ordinal)
                    && c.Schema is SchemaReferenceValidator s && string.Equals(s.SchemaUri.ToString(), CoreTypePrefix + target.TypeName, StringComparison.Ordinal)) == true
                || Answer(references, node);
        }

        return InBundle(node) || ReferenceForms.Of(text) is not { } form
            ? Answer(references, node)
            : unresolvedReferences.GetOrAdd((references, form + "|" + reference.Type), (this, references, node), static s => s.Item1.Answer(s.references, s.node));
    }

    private static bool InBundle(PocoNode node)
    {
        for (var n = node; n is not null; n = n.Parent)
        {
            if (n.Poco is Bundle)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The contained resource a local reference names, when the reference sits in the root resource itself.</summary>
    private static Resource? FindContained(PocoNode node, string id)
    {
        var owner = node.Parent;
        while (owner is not null && owner.Poco is not Resource)
        {
            owner = owner.Parent;
        }

        return owner is { Parent: null, Poco: DomainResource { Contained: var contained } }
            ? contained.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.Ordinal))
            : null;
    }

    /// <summary>
    /// A slice's condition on an extension's url (<see cref="CompileUrlSlices"/>): Firely's own answer (its <c>IsSuccessful</c>,
    /// as <c>SliceValidator</c> reads it), remembered per condition and url text.
    /// </summary>
    private bool UrlCondition(IAssertion condition, string url, PocoNode node) =>
        urlConditions.GetOrAdd((condition, url), (this, condition, node),
            static s => s.Item1.Holds(s.condition, s.node));

    private bool Holds(IAssertion condition, PocoNode node) =>
        condition is IValidatable validatable && validatable.Validate(node, settings, State).IsSuccessful;

    /// <summary>A required binding's answer depends only on the coded value, so it is remembered per value.</summary>
    private bool Binding(BindingValidator binding, PocoNode node)
    {
        var key = NodeKeys.Content(node);
        if (key is null)
        {
            return Answer(binding, node);
        }

        return bindings.GetOrAdd((binding, ((ITypedElement)node).InstanceType ?? string.Empty, key), (this, binding, node), static s => s.Item1.Answer(s.binding, s.node));
    }

    /// <summary>
    /// A rule on a primitive's value (its type's regex, a uri's form). Firely's answer depends only on the primitive: its
    /// type and its value (<c>RegExValidator</c> matches the value converted to text, <c>FhirUriValidator</c> checks the
    /// value's form; both consult the literal's kind, <c>GetLiteralTypeError</c>, which reads the primitive's POCO checks,
    /// hence no id and no extension here, and the extensions only where the value is absent). So for the types whose values
    /// recur (codes, uris, booleans, numbers) it is remembered per type and value; ids, strings and dates are matched by hand
    /// (<see cref="PrimitivePatterns"/>, the same preconditions), anything else is Firely's answer.
    /// </summary>
    private bool ValueRule(IAssertion assertion, PocoNode node)
    {
        if (node.GetType() == s_primitiveNodeType && node.Poco is PrimitiveType { JsonValue: int or bool, ElementId: null, Extension.Count: 0 } number)
        {
            // Integers and booleans as the reader builds them from JSON numbers and literals: the value is a boxed int or
            // bool, whose equality is its value's, so the answer is remembered per type and value as for the texts below.
            return numberRules.GetOrAdd((assertion, number.GetType(), number.JsonValue), (this, assertion, node), static s => s.Item1.Answer(s.assertion, s.node));
        }

        if (node.GetType() != s_primitiveNodeType || node.Poco is not PrimitiveType { JsonValue: string value, ElementId: null, Extension.Count: 0 } primitive)
        {
            return Answer(assertion, node);
        }

        if (primitive is Code or FhirUri or FhirBoolean or FhirDecimal or Integer or UnsignedInt or PositiveInt)
        {
            return valueRules.GetOrAdd((assertion, primitive.GetType(), value), (this, assertion, node), static s => s.Item1.Answer(s.assertion, s.node));
        }

        // Ids, strings and dates: matched by hand where the check was written for this very pattern (PrimitivePatterns).
        return (assertion is RegExValidator regex && PrimitivePatterns.Matches(regex.Pattern, primitive, value)) || Answer(assertion, node);
    }

    /// <summary>
    /// What Firely's <c>RequiredValidator</c> asks: a child node by each name (<c>PocoNode.Child</c>, which makes the node
    /// of any value the POCO holds under that name, and throws on a value of no known kind). All present: no issue.
    /// </summary>
    private static bool HasMembers(Base poco, string[] members)
    {
        foreach (var member in members)
        {
            if (!poco.TryGetValue(member, out var value) || value is not (PrimitiveType or Base or IReadOnlyList<PrimitiveType> or IReadOnlyList<Base>))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The POCO's elements (<c>EnumerateElements</c>, which builds an iterator per class of the type's hierarchy and
    /// more), listed once for ele-1 and the children walk of the same element, which follow each other. Reset per resource.
    /// </summary>
    private static KeyValuePair<string, object>[] ElementsOf(Base poco)
    {
        if (ReferenceEquals(poco, t_listedPoco) && t_listedElements is { } listed)
        {
            return listed;
        }

        var scratch = t_scratch ??= new List<KeyValuePair<string, object>>(32);
        scratch.Clear();
        foreach (var element in poco.EnumerateElements())
        {
            scratch.Add(element);
        }

        KeyValuePair<string, object>[] elements = scratch.Count == 0 ? [] : [.. scratch];
        t_listedPoco = poco;
        t_listedElements = elements;
        return elements;
    }

    /// <summary>ele-1 holds when the element has a value or a child other than id; otherwise Firely decides.</summary>
    private static bool HasValueOrChildren(PocoNode node)
    {
        if (ReferenceEquals(node, t_lastElementWithContent))
        {
            return true;
        }

        var hasContent = HasValue(node) || HasChildOtherThanId(node.Poco);
        if (hasContent)
        {
            t_lastElementWithContent = node;
        }

        return hasContent;
    }

    /// <summary>
    /// Whether the node's <see cref="ITypedElement.Value"/> is not null, without converting it: a primitive node's value is
    /// null exactly when its JSON value is (the SDK converts a non-null value, or returns it as is when it does not parse),
    /// except for the integer types, whose conversion is asked for.
    /// </summary>
    private static bool HasValue(PocoNode node) =>
        node.Poco is PrimitiveType primitive && node.GetType() == s_primitiveNodeType
            ? primitive.JsonValue is not null && (primitive is not (Integer or Integer64 or PositiveInt or UnsignedInt) || ((ITypedElement)node).Value is not null)
            : ((ITypedElement)node).Value is not null;

    /// <summary>What <c>PocoNode.Children()</c> enumerates, read from the POCO without building the child nodes.</summary>
    private static bool HasChildOtherThanId(Base poco)
    {
        foreach (var (name, value) in ElementsOf(poco))
        {
            if (!string.Equals(name, "id", StringComparison.Ordinal) && !(poco is DynamicDataType && name == "resourceType" && value is PrimitiveType))
            {
                return true;
            }
        }

        return false;
    }

    private bool Answer(IAssertion assertion, PocoNode node) =>
        assertion is not IValidatable validatable || IsClean(validatable.Validate(node, settings, State));

    private bool AnswerGroup(IGroupValidatable assertion, IReadOnlyList<PocoNode> nodes) =>
        IsClean(assertion.Validate(nodes, settings, State));

    private static bool IsClean(ResultReport report) =>
        report.Result == ValidationResult.Success && (report.Evidence.Count == 0 || report.Errors.Count == 0);
}
