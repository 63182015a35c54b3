using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using SchemaCanonical = Firely.Fhir.Validation.Canonical;

// This walker reads the validator's compiled assertion types by design; they are marked experimental by Firely.
#pragma warning disable ExperimentalApi

namespace CareLedger.Fhir.Validation.FastPath;

/// <summary>
/// A shortcut in front of the Firely validator that can only say "certainly no error" or "not sure". It walks a resource
/// against the very schemas the Firely validator compiles from the R4 StructureDefinitions (the same resolver and the same
/// settings object), so no rule can be missed: the control structures (schemas, children, cardinality, choice types,
/// schema references, extension url resolution) are interpreted here without the generic machinery's bookkeeping, and
/// every check that decides validity (invariants, value rules, bindings, references) is answered by Firely's own
/// assertion object on the same element node, memoised where its answer depends only on the value. Whatever is not
/// certain (an error, an unexpected construct, a declared profile) answers false, and the caller then runs the Firely
/// validator, which alone writes the OperationOutcome. Thread-safe; one instance per schema resolver.
/// </summary>
internal sealed class BaseSpecFastPath(IElementSchemaResolver schemas, ValidationSettings settings)
{
    private const string CoreTypePrefix = "http://hl7.org/fhir/StructureDefinition/";
    private const string AnyResource = CoreTypePrefix + "Resource";

    private readonly Predicate<IAssertion>[] excludeFilters = [.. settings.ExcludeFilters];
    private readonly ConcurrentDictionary<string, ElementSchema?> resolved = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IAssertion, IAssertion[]> members = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<IAssertion, ChildPlan> childPlans = new(ReferenceEqualityComparer.Instance);
    private readonly BoundedMemo<(IAssertion, string, string)> bindings = new(capacity: 50_000);
    private readonly BoundedMemo<(IAssertion, string)> unresolvedReferences = new(capacity: 50_000);

    /// <summary>True only if the Firely validator would find no error (or fatal) issue in the resource.</summary>
    public bool IsCertainlyValid(Resource resource)
    {
        var schema = Resolve(CoreTypePrefix + resource.TypeName);
        t_state = new ValidationState();
        t_lastElementWithContent = null;
        return schema is not null && One(schema, resource.ToPocoNode(ModelInfo.ModelInspector));
    }

    /// <summary>One validation state per resource, as the Firely validator keeps one per run.</summary>
    [ThreadStatic]
    private static ValidationState? t_state;

    /// <summary>ele-1 is asserted twice on most elements (by the element and by its type); the second time is free.</summary>
    [ThreadStatic]
    private static PocoNode? t_lastElementWithContent;

    private static ValidationState State => t_state ??= new ValidationState();

    private bool One(IAssertion assertion, PocoNode node)
    {
        if (MayBeExcluded(assertion) && Excluded(assertion))
        {
            return true;
        }

        return assertion switch
        {
            ExtensionSchema or CardinalityValidator or SliceValidator => Many(assertion, [node]),
            ResourceSchema resource => ResourceInSchema(resource, node),
            ElementSchema schema => All(MembersOf(schema), node),
            AllValidator all => All(all.Members, node),
            ChildrenValidator children => Children(children, node),
            SchemaReferenceValidator reference => Resolve(reference.SchemaUri.ToString()) is { } target && One(target, node),
            ReferencedInstanceValidator references => References(references, node),
            FhirEle1Validator => HasValueOrChildren(node) || Answer(assertion, node),
            FhirPathValidator invariant => InvariantShortcuts.HoldsTrivially(invariant, node)
                || InvariantShortcuts.IsLocalReferenceToContained(invariant, node, FindContained) || Answer(assertion, node),
            BindingValidator binding => Binding(binding, node),
            IValidatable => Answer(assertion, node),
            // Assertions that validate nothing by themselves (BaseType, DefinitionsAssertion) succeed in Firely too.
            _ => true,
        };
    }

    private bool Many(IAssertion assertion, IReadOnlyList<PocoNode> nodes)
    {
        if (MayBeExcluded(assertion) && Excluded(assertion))
        {
            return true;
        }

        switch (assertion)
        {
            case ExtensionSchema extension:
                return Extensions(extension, nodes);
            case ResourceSchema:
                return EachNode(assertion, nodes);
            case ElementSchema schema:
                // Firely runs only the slice validators over an empty group (mandatory slices); everything else needs an element.
                return nodes.Count == 0 ? EmptyGroup(schema) : EachMember(MembersOf(schema), nodes);
            case AllValidator all:
                return EachMember(all.Members, nodes);
            case CardinalityValidator cardinality:
                return nodes.Count >= (cardinality.Min ?? 0) && (cardinality.Max is not { } max || nodes.Count <= max);
            case SchemaReferenceValidator reference:
                return Resolve(reference.SchemaUri.ToString()) is { } target && Many(target, nodes);
            case SliceValidator slices:
                return ChoiceTypes(slices, nodes);
            case IGroupValidatable group:
                return AnswerGroup(group, nodes);
            case IValidatable:
                return EachNode(assertion, nodes);
            default:
                return true;
        }
    }

    private bool EachNode(IAssertion assertion, IReadOnlyList<PocoNode> nodes)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            if (!One(assertion, nodes[i]))
            {
                return false;
            }
        }

        return true;
    }

    private bool EachMember(IReadOnlyList<IAssertion> assertions, IReadOnlyList<PocoNode> nodes)
    {
        for (var i = 0; i < assertions.Count; i++)
        {
            if (!Many(assertions[i], nodes))
            {
                return false;
            }
        }

        return true;
    }

    private bool EmptyGroup(ElementSchema schema)
    {
        foreach (var member in MembersOf(schema))
        {
            if (member is SliceValidator slices && !Many(slices, []))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A resource in its own schema, or a resource in an element typed Resource (contained, Bundle.entry.resource) checked
    /// against the schema of its own type as well. Declared profiles (meta.profile) are left to Firely.
    /// </summary>
    private bool ResourceInSchema(ResourceSchema schema, PocoNode node)
    {
        var type = ((ITypedElement)node).InstanceType;
        if (HasGrandchild(node, "meta", "profile"))
        {
            return false;
        }

        var url = schema.Url.ToString();
        if (!string.Equals(url, CoreTypePrefix + type, StringComparison.Ordinal))
        {
            if (!string.Equals(url, AnyResource, StringComparison.Ordinal) || Resolve(CoreTypePrefix + type) is not ResourceSchema own || !One(own, node))
            {
                return false;
            }
        }

        return All(MembersOf(schema), node);
    }

    /// <summary>Choice types ([x]): every element must be one of the listed types and valid as that type.</summary>
    private bool ChoiceTypes(SliceValidator slices, IReadOnlyList<PocoNode> nodes)
    {
        if (slices.Ordered || slices.MultiCase || slices.Slices.Any(s => s.Required || s.Condition is not FhirTypeLabelValidator))
        {
            return AnswerGroup(slices, nodes);
        }

        foreach (var node in nodes)
        {
            var type = ((ITypedElement)node).InstanceType;
            var slice = slices.Slices.FirstOrDefault(s => string.Equals(((FhirTypeLabelValidator)s.Condition).Label, type, StringComparison.Ordinal));
            if (slice is null || !One(slice.Assertion, node))
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

            if (list.Count == 0 ? !EmptyGroup(schema) : !EachMember(MembersOf(schema), list))
            {
                return false;
            }
        }

        return true;
    }

    private bool Children(ChildrenValidator children, PocoNode node)
    {
        var plan = childPlans.GetOrAdd(children, static c => new ChildPlan((ChildrenValidator)c));
        foreach (var group in node.Children())
        {
            if (!plan.ByElementName.TryGetValue(group.Name, out var assertion))
            {
                // An element the definition does not name is an error unless the schema allows more (the abstract Resource).
                if (children.AllowAdditionalChildren)
                {
                    continue;
                }

                return false;
            }

            if (!Many(assertion, [.. group]))
            {
                return false;
            }
        }

        // Definitions without elements: only what can fail on nothing (mandatory slices) is run, as Firely does.
        foreach (var (elementName, assertion) in plan.CheckedWhenAbsent)
        {
            if (node.Child(elementName) is null && !Many(assertion, []))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A ChildrenValidator indexed by element name (a choice <c>value[x]</c> is the element <c>value</c>), with the
    /// definitions whose check on no element at all can fail (any other than a schema without slices).
    /// </summary>
    private sealed class ChildPlan
    {
        public ChildPlan(ChildrenValidator children)
        {
            foreach (var (name, assertion) in children.ChildList)
            {
                var elementName = name.EndsWith("[x]", StringComparison.Ordinal) ? name[..^3] : name;
                ByElementName[elementName] = assertion;
                if (assertion is not ElementSchema schema || schema is ExtensionSchema
                    || ((IAssertionContainer)schema).Children().Any(step => step.Item2 is SliceValidator))
                {
                    CheckedWhenAbsent.Add((elementName, assertion));
                }
            }
        }

        public Dictionary<string, IAssertion> ByElementName { get; } = new(StringComparer.Ordinal);

        public List<(string ElementName, IAssertion Assertion)> CheckedWhenAbsent { get; } = [];
    }

    /// <summary>
    /// References. To a contained resource: the target was checked against its own type's schema where the walk met it in
    /// <c>contained</c>, so only its type has to be an allowed target. Any other reference, in a resource that is not in a
    /// Bundle, cannot be resolved here (no external resolver), so Firely's answer depends only on the validator (its
    /// targets) and the reference's form: it is remembered per form, with the id standing for any well-formed id.
    /// </summary>
    private bool References(ReferencedInstanceValidator references, PocoNode node)
    {
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
            : unresolvedReferences.GetOrAdd((references, form + "|" + reference.Type), () => Answer(references, node));
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
    private static Hl7.Fhir.Model.Resource? FindContained(PocoNode node, string id)
    {
        var owner = node.Parent;
        while (owner is not null && owner.Poco is not Hl7.Fhir.Model.Resource)
        {
            owner = owner.Parent;
        }

        return owner is { Parent: null, Poco: DomainResource { Contained: var contained } }
            ? contained.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.Ordinal))
            : null;
    }

    /// <summary>A required binding's answer depends only on the coded value, so it is remembered per value.</summary>
    private bool Binding(BindingValidator binding, PocoNode node)
    {
        var key = NodeKeys.Content(node);
        if (key is null)
        {
            return Answer(binding, node);
        }

        return bindings.GetOrAdd((binding, ((ITypedElement)node).InstanceType ?? string.Empty, key), () => Answer(binding, node));
    }

    /// <summary>ele-1 holds when the element has a value or a child other than id; otherwise Firely decides.</summary>
    private static bool HasValueOrChildren(PocoNode node)
    {
        if (ReferenceEquals(node, t_lastElementWithContent))
        {
            return true;
        }

        var hasContent = ((ITypedElement)node).Value is not null || node.Children().Any(c => !string.Equals(c.Name, "id", StringComparison.Ordinal));
        if (hasContent)
        {
            t_lastElementWithContent = node;
        }

        return hasContent;
    }

    private bool All(IEnumerable<IAssertion> assertions, PocoNode node)
    {
        foreach (var assertion in assertions)
        {
            if (!One(assertion, node))
            {
                return false;
            }
        }

        return true;
    }

    private bool Answer(IAssertion assertion, PocoNode node) =>
        assertion is not IValidatable validatable || IsClean(validatable.Validate(node, settings, State));

    private bool AnswerGroup(IGroupValidatable assertion, IReadOnlyList<PocoNode> nodes) =>
        IsClean(assertion.Validate(nodes, settings, State));

    private static bool IsClean(ResultReport report) =>
        report.Result == ValidationResult.Success && (report.Evidence.Count == 0 || report.Errors.Count == 0);

    /// <summary>Our exclusion filters name bindings and invariants only; anything else is never excluded.</summary>
    private static bool MayBeExcluded(IAssertion assertion) => assertion is BindingValidator or InvariantValidator;

    private bool Excluded(IAssertion assertion)
    {
        foreach (var exclude in excludeFilters)
        {
            if (exclude(assertion))
            {
                return true;
            }
        }

        return false;
    }

    private IAssertion[] MembersOf(IAssertionContainer container) =>
        members.GetOrAdd((IAssertion)container, static (c, self) => [.. ((IAssertionContainer)c).Children().Select(step => step.Item2).Where(a => !self.Excluded(a))], this);

    /// <summary>A schema by canonical, with an anchor (<c>#Observation.referenceRange</c>) naming a definition inside it.</summary>
    private ElementSchema? Resolve(string canonical) => resolved.TryGetValue(canonical, out var known) ? known : resolved.GetOrAdd(canonical, c =>
    {
        var hash = c.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0)
        {
            return schemas.GetSchema(new SchemaCanonical(c));
        }

        return schemas.GetSchema(new SchemaCanonical(c[..hash])) is { } root
            ? MembersOf(root).OfType<DefinitionsAssertion>().Select(d => d.FindFirstByAnchor(c[(hash + 1)..])).FirstOrDefault(s => s is not null)
            : null;
    });

    private static bool HasGrandchild(PocoNode node, string child, string grandchild) =>
        node.Child(child) is { } children && children.Any(c => c.Child(grandchild) is { } found && found.Any());
}
