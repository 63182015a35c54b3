using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using SchemaCanonical = Firely.Fhir.Validation.Canonical;

// This compiler reads the validator's compiled assertion types by design; they are marked experimental by Firely.
#pragma warning disable ExperimentalApi

namespace CareLedger.Fhir.Validation.Compiled;

/// <summary>A compiled check of one element node: true only if Firely's assertion would report no error on it.</summary>
internal delegate bool NodeCheck(PocoNode node);

/// <summary>A compiled check of the group of nodes that one element definition matches (possibly none).</summary>
internal delegate bool GroupCheck(IReadOnlyList<PocoNode> nodes);

/// <summary>
/// The base R4 specification compiled, once per resource type, into delegates that can only say "certainly no error" or
/// "not sure"; the caller runs the Firely validator when they are not sure, and only the Firely validator ever writes an
/// OperationOutcome.
/// <para>
/// <b>Why the answer is Firely's.</b> The delegates are compiled from the very <see cref="ElementSchema"/>s the Firely
/// validator compiles from the R4 StructureDefinitions (the same resolver and the same settings object, so the same
/// exclusion filters and the same terminology service). Compiling is a partial evaluation of a walk over those schemas:
/// every decision that depends on the schema alone — which kind of assertion it is, whether the settings exclude it, the
/// members of a schema, the table of child names, the bounds of a cardinality, the types of a choice element, which
/// shortcut an invariant has — is taken once, here; everything that depends on the instance is left to run time, in the
/// order Firely would meet it. The control structures (schemas, children, cardinality, choice types, schema references,
/// extension urls) are interpreted as Firely interprets them; every check that decides validity (FHIRPath invariants,
/// value rules, regexes, bindings, references) is answered by Firely's own assertion object on the same element node,
/// remembered where its answer depends only on the value (required bindings, references of the same form), or by a
/// shortcut that is written for the exact expression text of one invariant and can only answer "it holds"
/// (<see cref="InvariantShortcuts"/>). Anything unexpected — an error, a construct not compiled here, a declared
/// profile, an exception — answers "not sure".
/// </para>
/// <para>
/// <b>What guards it.</b> <c>FastValidatorDifferentialTests</c> runs both validators on every resource of the test
/// bundles (all must be certainly valid here and valid for Firely) and on thousands of broken variants of them
/// (<c>ValidationMutants</c>: every element removed, emptied or mistyped, malformed primitives, codes outside required
/// bindings, unknown elements and choice types, extensions, declared profiles, and a violation of each invariant that
/// has a shortcut): a variant Firely refuses and this accepts fails the test. The checks reach an element's children by
/// their own walk over the POCO (<see cref="ChildNodes"/>: the very nodes <c>PocoNode.Children()</c> makes, without its
/// groups, list copies and iterators); the same test holds its answers equal to a walk through <c>PocoNode.Children()</c>
/// on every resource and variant, read leniently and as the import reads them.
/// </para>
/// Thread-safe: compiled delegates are cached per assertion object and hold no per-run state; the validation state
/// Firely's assertions need is one per resource and thread.
/// </summary>
internal sealed partial class CompiledBaseSpec(IElementSchemaResolver schemas, ValidationSettings settings, CompiledBaseSpec.ChildWalk childWalk = CompiledBaseSpec.ChildWalk.Own)
{
    /// <summary>How the compiled checks reach an element's children (the Firely tree is kept to test the own walk against it).</summary>
    internal enum ChildWalk
    {
        /// <summary>The POCO's elements, each child node made directly (what <c>PocoNode.Children()</c> makes, without its groups).</summary>
        Own,

        /// <summary>Firely's <c>PocoNode.Children()</c>, as before: the reference the own walk is tested against.</summary>
        FirelyPocoNodeTree,
    }

    private const string CoreTypePrefix = "http://hl7.org/fhir/StructureDefinition/";
    private const string AnyResource = CoreTypePrefix + "Resource";

    private readonly Predicate<IAssertion>[] excludeFilters = [.. settings.ExcludeFilters];
    private readonly ConcurrentDictionary<string, ElementSchema?> resolved = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IAssertion, Compiled<NodeCheck>> nodeChecks = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<IAssertion, Compiled<GroupCheck>> groupChecks = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<ElementSchema, Compiled<GroupCheck>> elementGroups = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, Compiled<NodeCheck>> resourceTypes = new(StringComparer.Ordinal);

    /// <summary>A compiled delegate; null means the assertion can never fail (nothing to run).</summary>
    private sealed record Compiled<T>(T? Check) where T : Delegate;

    /// <summary>True only if the Firely validator would find no error (or fatal) issue in the resource.</summary>
    public bool IsCertainlyValid(Resource resource)
    {
        var check = ResourceType(resource.TypeName);
        if (check.Check is null)
        {
            return false;
        }

        t_state = new ValidationState();
        t_lastElementWithContent = null;
        t_listedPoco = null;
        t_listedElements = null;
        t_deferredDom3 = null;
        t_localReferences?.Clear();
        if (!check.Check(resource.ToPocoNode(ModelInfo.ModelInspector)))
        {
            return false;
        }

        // dom-3 on the resource, left until the walk has met its local references (CompileInvariant).
        return t_deferredDom3 is not { } dom3 || EveryContainedIsReferenced(dom3.Node, t_localReferences) || Answer(dom3.Invariant, dom3.Node);
    }

    /// <summary>The check of a resource against its own type's schema; no check (never certain) for an unknown type.</summary>
    private Compiled<NodeCheck> ResourceType(string type) =>
        resourceTypes.TryGetValue(type, out var known) ? known : resourceTypes.GetOrAdd(type, t =>
            Resolve(CoreTypePrefix + t) is ResourceSchema schema ? Node(schema) : new Compiled<NodeCheck>(null));

    // ---- one element node (what Firely's IValidatable.Validate does on one node) ----

    private Compiled<NodeCheck> Node(IAssertion assertion) =>
        nodeChecks.TryGetValue(assertion, out var known) ? known : nodeChecks.GetOrAdd(assertion, a => new Compiled<NodeCheck>(CompileNode(a)));

    private NodeCheck? CompileNode(IAssertion assertion)
    {
        if (IsExcluded(assertion))
        {
            return null;
        }

        switch (assertion)
        {
            case ExtensionSchema or CardinalityValidator or SliceValidator:
                // Firely validates these as a group even on one node.
                var group = Group(assertion).Check;
                return group is null ? null : node => group([node]);
            case ResourceSchema resource:
                return CompileResource(resource);
            case ElementSchema schema:
                return AllOf(MembersOf(schema));
            case AllValidator all:
                return AllOf(all.Members);
            case ChildrenValidator children:
                return CompileChildren(children);
            case SchemaReferenceValidator reference:
                return LazyNode(reference.SchemaUri.ToString());
            case ReferencedInstanceValidator references:
                return node => References(references, node);
            case FhirEle1Validator:
                return node => HasValueOrChildren(node) || Answer(assertion, node);
            case FhirPathValidator invariant:
                return CompileInvariant(invariant);
            case BindingValidator binding:
                return node => Binding(binding, node);
            case RegExValidator or FhirUriValidator:
                return node => ValueRule(assertion, node);
            case RequiredValidator required:
                string[] members = [.. required.RequiredMembers];
                return node => HasMembers(node.Poco, members) || Answer(assertion, node);
            case IValidatable:
                return node => Answer(assertion, node);
            default:
                // Assertions that validate nothing by themselves (BaseType, DefinitionsAssertion) succeed in Firely too.
                return null;
        }
    }

    /// <summary>
    /// A resource in its own schema, or a resource in an element typed Resource (contained, Bundle.entry.resource) checked
    /// against the schema of its own type as well. Declared profiles (meta.profile) are left to Firely.
    /// </summary>
    private NodeCheck CompileResource(ResourceSchema schema)
    {
        var url = schema.Url.ToString();
        var ofAnyResource = string.Equals(url, AnyResource, StringComparison.Ordinal);
        var members = AllOf(MembersOf(schema));
        return node =>
        {
            if (DeclaresProfile(node))
            {
                return false;
            }

            var type = ((ITypedElement)node).InstanceType;
            if (!IsCoreTypeUrl(url, type))
            {
                if (!ofAnyResource || type is null || ResourceType(type).Check is not { } own || !own(node))
                {
                    return false;
                }
            }

            return members is null || members(node);
        };
    }

    private static bool IsCoreTypeUrl(string url, string? type) =>
        type is not null && url.Length == CoreTypePrefix.Length + type.Length
        && url.StartsWith(CoreTypePrefix, StringComparison.Ordinal) && url.EndsWith(type, StringComparison.Ordinal);

    private static bool DeclaresProfile(PocoNode node) => node.Poco is Resource resource
        ? resource.Meta is { ProfileElement.Count: > 0 }
        : node.Child("meta") is { } meta && meta.Any(m => m.Child("profile") is { } found && found.Any());

    /// <summary>
    /// The children of an element, indexed by element name (a choice <c>value[x]</c> is the element <c>value</c>); an element
    /// the definition does not name is an error unless the schema allows more (the abstract Resource). Definitions without
    /// elements: only what can fail on nothing (mandatory slices) is run, as Firely does.
    /// </summary>
    private NodeCheck CompileChildren(ChildrenValidator children)
    {
        var byName = new Dictionary<string, GroupCheck?>(StringComparer.Ordinal);
        var whenAbsent = new List<(string ElementName, GroupCheck Check)>();
        foreach (var (name, assertion) in children.ChildList)
        {
            var elementName = name.EndsWith("[x]", StringComparison.Ordinal) ? name[..^3] : name;
            var check = Group(assertion).Check;
            byName[elementName] = check;
            if (check is not null && (assertion is not ElementSchema schema || schema is ExtensionSchema
                || ((IAssertionContainer)schema).Children().Any(step => step.Item2 is SliceValidator)))
            {
                whenAbsent.Add((elementName, check));
            }
        }

        var allowMore = children.AllowAdditionalChildren;
        var absentChecks = whenAbsent.ToArray();
        bool Absent(PocoNode node)
        {
            foreach (var (elementName, check) in absentChecks)
            {
                if (!node.Poco.TryGetValue(elementName, out _) && !check([]))
                {
                    return false;
                }
            }

            return true;
        }

        if (childWalk == ChildWalk.FirelyPocoNodeTree)
        {
            return node =>
            {
                foreach (var group in node.Children())
                {
                    if (!byName.TryGetValue(group.Name, out var check))
                    {
                        if (allowMore)
                        {
                            continue;
                        }

                        return false;
                    }

                    if (check is not null && !check(NodesOf(group)))
                    {
                        return false;
                    }
                }

                return Absent(node);
            };
        }

        return node =>
        {
            var poco = node.Poco;
            var dynamic = poco is DynamicDataType;
            foreach (var (name, value) in ElementsOf(poco))
            {
                if (dynamic && value is PrimitiveType && string.Equals(name, "resourceType", StringComparison.Ordinal))
                {
                    continue;
                }

                // Firely makes a node of every element (and throws on a value of no known kind) before looking at its name:
                // such a value answers "not sure" whatever its name (classified once, where its nodes are made).
                if (!byName.TryGetValue(name, out var check))
                {
                    if (allowMore && IsNodeValue(value))
                    {
                        continue;
                    }

                    return false;
                }

                if (check is null)
                {
                    if (IsNodeValue(value))
                    {
                        continue;
                    }

                    return false;
                }

                if (ChildNodes(node, name, value) is not { } children || !check(children))
                {
                    return false;
                }
            }

            return Absent(node);
        };
    }

    /// <summary>Whether <c>PocoNode.Children()</c> can make a node of the value (any other kind of value makes it throw).</summary>
    private static bool IsNodeValue(object value) => value is PrimitiveType or Base or IReadOnlyList<PrimitiveType> or IReadOnlyList<Base>;

    /// <summary>
    /// The child nodes <c>PocoNode.Children()</c> makes for one element (<c>PocoNode.nodeFor</c> in SDK 6.8: a primitive
    /// node or a node per value, indexed when the element repeats, each with this node as its parent), without the group
    /// objects, list copies and iterators around them. Null for a value of any other kind, on which Firely's throws ("not sure").
    /// </summary>
    private static PocoNode[]? ChildNodes(PocoNode parent, string name, object value)
    {
        switch (value)
        {
            case PrimitiveType primitive:
                return [new PrimitiveNode(primitive, parent, null, name)];
            case Base poco:
                return [new PocoNode(poco, parent, null, name)];
            case IReadOnlyList<PrimitiveType> primitives:
                var primitiveNodes = new PocoNode[primitives.Count];
                for (var i = 0; i < primitiveNodes.Length; i++)
                {
                    primitiveNodes[i] = new PrimitiveNode(primitives[i], parent, i, name);
                }

                return primitiveNodes;
            case IReadOnlyList<Base> pocos:
                var nodes = new PocoNode[pocos.Count];
                for (var i = 0; i < nodes.Length; i++)
                {
                    nodes[i] = new PocoNode(pocos[i], parent, i, name);
                }

                return nodes;
            default:
                return null;
        }
    }

    private static IReadOnlyList<PocoNode> NodesOf(PocoNodeOrList group) => group is PocoNode single ? [single] : [.. group];

    private NodeCheck CompileInvariant(FhirPathValidator invariant)
    {
        var holds = InvariantShortcuts.For(invariant);
        if (holds is not null && InvariantShortcuts.IsDom3(invariant))
        {
            // dom-3 on the resource being certified, when it contains something: instead of a walk of its own over the whole
            // resource for the local references (ResourceReferences), it is answered after the compiled walk, from the local
            // references that walk met (every Reference it checked, contained resources included: a subset of the
            // references dom-3's descendants() reaches, so "every contained id is referenced" is still sufficient; when it
            // is not met, Firely evaluates the expression, as before). The walk's answer is a conjunction of checks that
            // change nothing, so answering one of them last does not change it.
            return node => node.Parent is null && node.Poco is DomainResource { Contained.Count: > 0 }
                    && (t_deferredDom3 is not { } deferred || (ReferenceEquals(deferred.Node, node) && ReferenceEquals(deferred.Invariant, invariant)))
                ? Defer(invariant, node)
                : holds(node.Poco) || Answer(invariant, node);
        }

        var localReference = InvariantShortcuts.IsRef1(invariant);
        return (holds, localReference) switch
        {
            (null, false) => node => Answer(invariant, node),
            (null, true) => node => InvariantShortcuts.IsLocalReferenceToContained(node, FindContained) || Answer(invariant, node),
            (_, false) => node => holds(node.Poco) || Answer(invariant, node),
            _ => node => holds(node.Poco) || InvariantShortcuts.IsLocalReferenceToContained(node, FindContained) || Answer(invariant, node),
        };
    }

    /// <summary>A reference to another schema, compiled on first use (schemas refer to themselves: Extension.extension).</summary>
    private NodeCheck LazyNode(string canonical)
    {
        NodeCheck? check = null;
        return node => (check ??= Resolve(canonical) is { } target ? Node(target).Check ?? Always : Never)(node);
    }

    private NodeCheck? AllOf(IEnumerable<IAssertion> assertions)
    {
        NodeCheck[] checks = [.. assertions.Select(a => Node(a).Check).OfType<NodeCheck>()];
        return checks.Length switch
        {
            0 => null,
            1 => checks[0],
            _ => node =>
            {
                foreach (var check in checks)
                {
                    if (!check(node))
                    {
                        return false;
                    }
                }

                return true;
            },
        };
    }

    private static bool Always(PocoNode node) => true;

    private static bool Never(PocoNode node) => false;

    // ---- a group of nodes (what Firely's IGroupValidatable.Validate does, or its repetition over the nodes) ----

    private Compiled<GroupCheck> Group(IAssertion assertion) =>
        groupChecks.TryGetValue(assertion, out var known) ? known : groupChecks.GetOrAdd(assertion, a => new Compiled<GroupCheck>(CompileGroup(a)));

    private GroupCheck? CompileGroup(IAssertion assertion)
    {
        if (IsExcluded(assertion))
        {
            return null;
        }

        switch (assertion)
        {
            case ExtensionSchema extension:
                return nodes => Extensions(extension, nodes);
            case ResourceSchema:
                return EachNode(Node(assertion).Check);
            case ElementSchema schema:
                return ElementGroup(schema).Check;
            case AllValidator all:
                return EachOf(all.Members);
            case CardinalityValidator cardinality:
                var min = cardinality.Min ?? 0;
                var max = cardinality.Max;
                return nodes => nodes.Count >= min && (max is not { } m || nodes.Count <= m);
            case SchemaReferenceValidator reference:
                return LazyGroup(reference.SchemaUri.ToString());
            case SliceValidator slices:
                return CompileChoiceTypes(slices);
            case IGroupValidatable group:
                return nodes => AnswerGroup(group, nodes);
            case IValidatable:
                return EachNode(Node(assertion).Check);
            default:
                return null;
        }
    }

    /// <summary>An element schema over its nodes; over none, only its slice validators run (mandatory slices), as in Firely.</summary>
    private Compiled<GroupCheck> ElementGroup(ElementSchema schema) =>
        elementGroups.TryGetValue(schema, out var known) ? known : elementGroups.GetOrAdd(schema, s =>
        {
            var members = MembersOf(s);
            var each = EachOf(members);
            var empty = EachOf(members.OfType<SliceValidator>());
            return new Compiled<GroupCheck>((each, empty) switch
            {
                (null, null) => null,
                _ => nodes => nodes.Count == 0 ? empty is null || empty(nodes) : each is null || each(nodes),
            });
        });

    /// <summary>Choice types ([x]): every element must be one of the listed types and valid as that type.</summary>
    private GroupCheck CompileChoiceTypes(SliceValidator slices)
    {
        if (!slices.MultiCase && slices.Slices.Count > 0 && slices.Slices.All(s => s.Condition is PathSelectorValidator { Path: "url" }))
        {
            return CompileUrlSlices(slices);
        }

        if (slices.Ordered || slices.MultiCase || slices.Slices.Any(s => s.Required || s.Condition is not FhirTypeLabelValidator))
        {
            return nodes => AnswerGroup(slices, nodes);
        }

        // Each type's check is looked up once, on first use (schemas refer to themselves), not on every node.
        var byType = new Dictionary<string, Lazy<Compiled<NodeCheck>>>(StringComparer.Ordinal);
        foreach (var slice in slices.Slices)
        {
            var assertion = slice.Assertion;
            byType.TryAdd(((FhirTypeLabelValidator)slice.Condition).Label, new Lazy<Compiled<NodeCheck>>(() => Node(assertion)));
        }

        return nodes =>
        {
            for (var i = 0; i < nodes.Count; i++)
            {
                if (((ITypedElement)nodes[i]).InstanceType is not { } type || !byType.TryGetValue(type, out var slice)
                    || slice.Value.Check is { } check && !check(nodes[i]))
                {
                    return false;
                }
            }

            return true;
        };
    }

    /// <summary>
    /// Slices discriminated by an extension's url: the sub-extensions of a complex extension (geolocation's latitude and
    /// longitude on Synthea's every Patient address), which Firely's <c>SliceValidator</c> answered at ≈ 270 KiB a time
    /// (its buckets, and the FHIRPath <c>url</c> selector compiled anew for each resource's validation state). Interpreted
    /// as Firely's <c>SliceValidator</c> does: each node goes to the first slice whose condition it meets, else to the
    /// default; ordering and open-at-end rules; a required slice without a node fails; then every slice's assertion runs
    /// over its bucket (an empty one too) and the default's over the rest. Only the condition is Firely's own answer,
    /// remembered per condition and url: selecting <c>url</c> on an Extension node reads nothing else, so the answer depends
    /// only on the url's text when the url element has no id and no extension (any other node: Firely answers the group).
    /// </summary>
    private GroupCheck CompileUrlSlices(SliceValidator slices)
    {
        var cases = slices.Slices.ToArray();
        var ordered = slices.Ordered;
        var defaultAtEnd = slices.DefaultAtEnd;
        return nodes =>
        {
            var buckets = new List<PocoNode>?[cases.Length];
            List<PocoNode>? defaults = null;
            var lastMatch = -1;
            var defaultInUse = false;
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                if (node.GetType() != typeof(PocoNode)
                    || node.Poco is not Extension { UrlElement: { ElementId: null, Extension.Count: 0, Value: { } url } urlElement }
                    || urlElement.GetType() != typeof(FhirUri))
                {
                    return AnswerGroup(slices, nodes);
                }

                var match = -1;
                for (var c = 0; c < cases.Length; c++)
                {
                    if (UrlCondition(cases[c].Condition, url, node))
                    {
                        match = c;
                        break;
                    }
                }

                if (match < 0)
                {
                    defaultInUse = true;
                    (defaults ??= []).Add(node);
                    continue;
                }

                if ((ordered && match < lastMatch) || (defaultInUse && defaultAtEnd))
                {
                    return false;
                }

                lastMatch = match;
                (buckets[match] ??= []).Add(node);
            }

            for (var c = 0; c < cases.Length; c++)
            {
                if (buckets[c] is null && cases[c].Required)
                {
                    return false;
                }
            }

            for (var c = 0; c < cases.Length; c++)
            {
                if (Group(cases[c].Assertion).Check is { } check && !check(buckets[c] ?? (IReadOnlyList<PocoNode>)[]))
                {
                    return false;
                }
            }

            return Group(slices.Default).Check is not { } otherwise || otherwise(defaults ?? (IReadOnlyList<PocoNode>)[]);
        };
    }

    private GroupCheck LazyGroup(string canonical)
    {
        GroupCheck? check = null;
        return nodes => (check ??= Resolve(canonical) is { } target ? Group(target).Check ?? AlwaysGroup : NeverGroup)(nodes);
    }

    private GroupCheck? EachOf(IEnumerable<IAssertion> assertions)
    {
        GroupCheck[] checks = [.. assertions.Select(a => Group(a).Check).OfType<GroupCheck>()];
        return checks.Length switch
        {
            0 => null,
            1 => checks[0],
            _ => nodes =>
            {
                foreach (var check in checks)
                {
                    if (!check(nodes))
                    {
                        return false;
                    }
                }

                return true;
            },
        };
    }

    private static GroupCheck? EachNode(NodeCheck? check) => check is null ? null : nodes =>
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            if (!check(nodes[i]))
            {
                return false;
            }
        }

        return true;
    };

    private static bool AlwaysGroup(IReadOnlyList<PocoNode> nodes) => true;

    private static bool NeverGroup(IReadOnlyList<PocoNode> nodes) => false;

    // ---- the schemas ----

    /// <summary>Our exclusion filters name bindings and invariants only (by their strength and severity): decided once.</summary>
    private bool IsExcluded(IAssertion assertion)
    {
        if (assertion is not (BindingValidator or InvariantValidator))
        {
            return false;
        }

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
        [.. container.Children().Select(step => step.Item2).Where(a => !IsExcluded(a))];

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
}
