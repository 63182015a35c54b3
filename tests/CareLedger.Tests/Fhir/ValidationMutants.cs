using System.Text.Json.Nodes;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// Variants of valid resources that break the base specification in the ways the validator must catch (and a few that
/// only have to send the fast path to the Firely validator): missing required elements, empty or mistyped elements,
/// malformed primitives, codes outside required bindings, unknown elements and choice types, extensions without a
/// value, and invariant violations (ele-1, ext-1, dom-2..dom-5, ref-1, per-1, obs-6). Deterministic: the same
/// resource always gives the same variants.
/// </summary>
internal static class ValidationMutants
{
    private static readonly string[] CodedNames = ["status", "gender", "intent", "use", "priority", "type", "mode", "kind", "system"];

    public static IEnumerable<(string Name, JsonObject Resource)> Of(JsonObject resource)
    {
        var type = (string)resource["resourceType"]!;
        foreach (var property in resource.Select(p => p.Key).Where(k => k != "resourceType").ToList())
        {
            yield return ($"{type} without {property}", Change(resource, r => r.Remove(property)));
            yield return ($"{type}.{property} empty object", Change(resource, r => r[property] = new JsonObject()));
            yield return ($"{type}.{property} empty array", Change(resource, r => r[property] = new JsonArray()));
            yield return ($"{type}.{property} empty string", Change(resource, r => r[property] = ""));
            yield return ($"{type}.{property} as number", Change(resource, r => r[property] = 42));
        }

        var leaves = StringLeaves(resource, "").ToList();
        foreach (var (path, value) in leaves.Take(60))
        {
            yield return ($"{type}{path} malformed '{Malformed(value)}'", Change(resource, r => Set(r, path, Malformed(value))));
            yield return ($"{type}{path} with inner space", Change(resource, r => Set(r, path, "a  b ")));
        }

        foreach (var (path, _) in leaves.Where(l => CodedNames.Contains(LastName(l.Path))))
        {
            yield return ($"{type}{path} outside its value set", Change(resource, r => Set(r, path, "not-a-valid-code")));
        }

        yield return ($"{type} with an unknown element", Change(resource, r => r["unknownElement"] = "x"));
        yield return ($"{type} with an unknown nested element", Change(resource, r =>
        {
            if (FirstObject(r) is { } o)
            {
                o["unknownElement"] = true;
            }
        }));
        foreach (var choice in resource.Select(p => p.Key).Where(IsChoice).ToList())
        {
            yield return ($"{type}.{choice} as an unknown type", Change(resource, r => Rename(r, choice, ChoiceStem(choice) + "Signature")));
            yield return ($"{type}.{choice} as another known type", Change(resource, r =>
            {
                r.Remove(choice);
                r[ChoiceStem(choice) + "Boolean"] = true;
            }));
        }

        yield return ($"{type} with an extension without value", Change(resource, r => Extensions(r).Add(new JsonObject { ["url"] = "http://example.org/fhir/no-value" })));
        yield return ($"{type} with an extension with value and extensions", Change(resource, r => Extensions(r).Add(new JsonObject
        {
            ["url"] = "http://example.org/fhir/both",
            ["valueString"] = "x",
            ["extension"] = new JsonArray(new JsonObject { ["url"] = "inner", ["valueString"] = "y" }),
        })));
        yield return ($"{type} with a modifier extension nobody knows", Change(resource, r => r["modifierExtension"] = new JsonArray(new JsonObject
        {
            ["url"] = "http://example.org/fhir/unknown-modifier",
            ["valueBoolean"] = true,
        })));
        yield return ($"{type} with a core extension of the wrong type", Change(resource, r => Extensions(r).Add(new JsonObject
        {
            ["url"] = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
            ["valueBoolean"] = true,
        })));
        yield return ($"{type} with a declared profile", Change(resource, r => Meta(r)["profile"] = new JsonArray("http://example.org/fhir/StructureDefinition/unknown")));
        yield return ($"{type} with an unreferenced contained resource (dom-3)", Change(resource, r => r["contained"] = new JsonArray(ContainedPatient("c1"))));
        yield return ($"{type} with a contained resource that contains (dom-2)", Change(resource, r =>
        {
            var inner = ContainedPatient("c1");
            inner["contained"] = new JsonArray(ContainedPatient("c2"));
            r["contained"] = new JsonArray(inner);
            r["text"] = Narrative("#c1");
        }));
        yield return ($"{type} with a versioned contained resource (dom-4)", Change(resource, r =>
        {
            var inner = ContainedPatient("c1");
            inner["meta"] = new JsonObject { ["versionId"] = "2" };
            r["contained"] = new JsonArray(inner);
        }));
        yield return ($"{type} with a referenced contained resource", Change(resource, r =>
        {
            r["contained"] = new JsonArray(ContainedPatient("c1"));
            Extensions(r).Add(new JsonObject { ["url"] = "http://example.org/fhir/ref", ["valueReference"] = new JsonObject { ["reference"] = "#c1" } });
        }));
        // dom-3 with something contained (compiled: every contained id must be referenced as exactly '#' + id).
        yield return ($"{type} with two contained resources, one referenced (dom-3)", Change(resource, r =>
        {
            r["contained"] = new JsonArray(ContainedPatient("c1"), ContainedPatient("c2"));
            Extensions(r).Add(LocalReference("#c1"));
        }));
        yield return ($"{type} with a contained resource referenced in another case (dom-3)", Change(resource, r =>
        {
            r["contained"] = new JsonArray(ContainedPatient("c1"));
            Extensions(r).Add(LocalReference("#C1"));
        }));
        yield return ($"{type} with a contained resource referenced only from another contained one", Change(resource, r =>
        {
            var first = ContainedPatient("c1");
            first["link"] = new JsonArray(new JsonObject { ["other"] = new JsonObject { ["reference"] = "#c2" }, ["type"] = "seealso" });
            r["contained"] = new JsonArray(first, ContainedPatient("c2"));
            Extensions(r).Add(LocalReference("#c1"));
        }));
        // dom-3 is answered after the compiled walk from the references it met: references it may not meet, or not as a
        // Reference, must leave the answer to Firely (which accepts a canonical or uri '#' + id too).
        yield return ($"{type} with a contained resource referenced only by a canonical", Change(resource, r =>
        {
            r["contained"] = new JsonArray(ContainedPatient("c1"));
            Extensions(r).Add(new JsonObject { ["url"] = "http://example.org/fhir/canonical", ["valueCanonical"] = "#c1" });
        }));
        yield return ($"{type} with a contained resource referenced only inside a nested extension", Change(resource, r =>
        {
            r["contained"] = new JsonArray(ContainedPatient("c1"));
            Extensions(r).Add(new JsonObject { ["url"] = "http://example.org/fhir/outer", ["extension"] = new JsonArray(LocalReference("#c1")) });
        }));
        yield return ($"{type} with two contained resources, one referenced twice (dom-3)", Change(resource, r =>
        {
            r["contained"] = new JsonArray(ContainedPatient("c1"), ContainedPatient("c2"));
            Extensions(r).Add(LocalReference("#c1"));
            Extensions(r).Add(LocalReference("#c1"));
        }));
        yield return ($"{type} with a contained resource referenced only as a uri (dom-3)", Change(resource, r =>
        {
            r["contained"] = new JsonArray(ContainedPatient("c1"));
            Extensions(r).Add(new JsonObject { ["url"] = "http://example.org/fhir/uri", ["valueUri"] = "#c2" });
        }));
        yield return ($"{type} with a contained resource without an id (dom-3)", Change(resource, r =>
        {
            var anonymous = ContainedPatient("c1");
            anonymous.Remove("id");
            r["contained"] = new JsonArray(anonymous);
            Extensions(r).Add(LocalReference("#c1"));
        }));
        yield return ($"{type} with a local reference to nothing (ref-1)", Change(resource, r => Extensions(r).Add(new JsonObject
        {
            ["url"] = "http://example.org/fhir/ref",
            ["valueReference"] = new JsonObject { ["reference"] = "#missing" },
        })));
        yield return ($"{type} with a period that ends before it starts (per-1)", Change(resource, r => Extensions(r).Add(new JsonObject
        {
            ["url"] = "http://example.org/fhir/period",
            ["valuePeriod"] = new JsonObject { ["start"] = "2020-02-01", ["end"] = "2020-01-01" },
        })));
        yield return ($"{type} with a period that ends a second before it starts (per-1)", Change(resource, r => Extensions(r).Add(new JsonObject
        {
            ["url"] = "http://example.org/fhir/period",
            ["valuePeriod"] = new JsonObject { ["start"] = "2020-02-01T10:00:01+01:00", ["end"] = "2020-02-01T10:00:00+01:00" },
        })));
        yield return ($"{type} with a period in two time zones that is in order", Change(resource, r => Extensions(r).Add(new JsonObject
        {
            ["url"] = "http://example.org/fhir/period",
            ["valuePeriod"] = new JsonObject { ["start"] = "2020-02-01T10:00:00+01:00", ["end"] = "2020-02-01T09:30:00+00:00" },
        })));
        // A complex extension's sub-extensions are sliced by url (geolocation on every Synthea Patient's address): the
        // compiled slicing must refuse a missing, repeated or mistyped slice as Firely does.
        if (FirstComplexExtension(resource) is not null)
        {
            yield return ($"{type} complex extension without its first sub-extension (slice)", Change(resource, r => SubExtensions(r).RemoveAt(0)));
            yield return ($"{type} complex extension without its last sub-extension (slice)", Change(resource, r => SubExtensions(r).RemoveAt(SubExtensions(r).Count - 1)));
            yield return ($"{type} complex extension without sub-extensions (slice)", Change(resource, r => FirstComplexExtension(r)!.Remove("extension")));
            yield return ($"{type} complex extension with a repeated sub-extension (slice)", Change(resource, r => SubExtensions(r).Add(SubExtensions(r)[0]!.DeepClone())));
            yield return ($"{type} complex extension with its sub-extensions in reverse order (slice)", Change(resource, r =>
            {
                var subs = SubExtensions(r);
                var reversed = subs.Select(e => e!.DeepClone()).Reverse().ToList();
                subs.Clear();
                reversed.ForEach(subs.Add);
            }));
            yield return ($"{type} complex extension with a sub-extension of the wrong type (slice)", Change(resource, r =>
            {
                var first = (JsonObject)SubExtensions(r)[0]!;
                foreach (var key in first.Select(p => p.Key).Where(k => k.StartsWith("value", StringComparison.Ordinal)).ToList())
                {
                    first.Remove(key);
                }

                first["valueString"] = "north";
            }));
            yield return ($"{type} complex extension with a sub-extension without value (slice)", Change(resource, r =>
            {
                var first = (JsonObject)SubExtensions(r)[0]!;
                foreach (var key in first.Select(p => p.Key).Where(k => k.StartsWith("value", StringComparison.Ordinal)).ToList())
                {
                    first.Remove(key);
                }
            }));
            yield return ($"{type} complex extension with a sub-extension whose url is cased otherwise (slice)", Change(resource, r =>
            {
                var first = (JsonObject)SubExtensions(r)[0]!;
                var url = (string)first["url"]!;
                first["url"] = char.ToUpperInvariant(url[0]) + url[1..];
            }));
            yield return ($"{type} complex extension with an unknown relative sub-extension (slice)", Change(resource, r =>
                SubExtensions(r).Add(new JsonObject { ["url"] = "altitude", ["valueDecimal"] = 12.5 })));
            yield return ($"{type} complex extension with an unknown absolute sub-extension (slice)", Change(resource, r =>
                SubExtensions(r).Add(new JsonObject { ["url"] = "http://example.org/fhir/altitude", ["valueDecimal"] = 12.5 })));
            yield return ($"{type} complex extension with an unknown sub-extension first (slice)", Change(resource, r =>
                SubExtensions(r).Insert(0, new JsonObject { ["url"] = "altitude", ["valueDecimal"] = 12.5 })));
            yield return ($"{type} complex extension with a value as well (slice)", Change(resource, r => FirstComplexExtension(r)!["valueString"] = "x"));
            yield return ($"{type} complex extension with a sub-extension with a value and extensions (slice)", Change(resource, r =>
                ((JsonObject)SubExtensions(r)[0]!)["extension"] = new JsonArray(new JsonObject { ["url"] = "inner", ["valueString"] = "y" })));
            yield return ($"{type} complex extension with an id on a sub-extension (slice)", Change(resource, r => ((JsonObject)SubExtensions(r)[0]!)["id"] = "s1"));
            yield return ($"{type} complex extension with an empty sub-extension url (slice)", Change(resource, r => ((JsonObject)SubExtensions(r)[0]!)["url"] = ""));
        }

        yield return ($"{type} with a geolocation extension (slice)", Change(resource, r => Extensions(r).Add(Geolocation(latitude: true, longitude: true))));
        yield return ($"{type} with a geolocation extension without longitude (slice)", Change(resource, r => Extensions(r).Add(Geolocation(latitude: true, longitude: false))));

        if (type == "Organization")
        {
            yield return ("Organization with a home address (org-2)", Change(resource, r => r["address"] = new JsonArray(new JsonObject { ["use"] = "home", ["city"] = "Springfield" })));
        }

        if (type == "Condition")
        {
            // con-4 and con-5 are answered from the codings where they hold (InvariantShortcuts): their violations, and the
            // codings next to the ones that decide.
            const string clinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
            const string verification = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
            JsonObject Status(string system, params string[] codes) => new()
            {
                ["coding"] = new JsonArray(codes.Select(c => (JsonNode?)new JsonObject { ["system"] = system, ["code"] = c }).ToArray()),
            };
            yield return ("Condition abated while active (con-4)", Change(resource, r =>
            {
                r["clinicalStatus"] = Status(clinical, "active");
                r["abatementDateTime"] = "2020-01-01";
            }));
            yield return ("Condition abated while active in another system (con-4)", Change(resource, r =>
            {
                r["clinicalStatus"] = Status("http://example.org/clinical", "resolved");
                r["abatementDateTime"] = "2020-01-01";
            }));
            yield return ("Condition abated and resolved", Change(resource, r =>
            {
                r["clinicalStatus"] = Status(clinical, "active", "resolved");
                r["abatementDateTime"] = "2020-01-01";
            }));
            yield return ("Condition abated and in remission", Change(resource, r =>
            {
                r["clinicalStatus"] = Status(clinical, "remission");
                r["abatementString"] = "later";
            }));
            yield return ("Condition entered in error with a clinical status (con-5)", Change(resource, r =>
            {
                r["clinicalStatus"] = Status(clinical, "active");
                r["verificationStatus"] = Status(verification, "confirmed", "entered-in-error");
            }));
            yield return ("Condition entered in error in another system, with a clinical status", Change(resource, r =>
            {
                r["clinicalStatus"] = Status(clinical, "active");
                r["verificationStatus"] = Status("http://example.org/verification", "entered-in-error");
            }));
            yield return ("Condition entered in error without a clinical status", Change(resource, r =>
            {
                r.Remove("clinicalStatus");
                r.Remove("abatementDateTime");
                r["verificationStatus"] = Status(verification, "entered-in-error");
            }));
        }

        if (type == "Observation")
        {
            yield return ("Observation with a value and a dataAbsentReason (obs-6)", Change(resource, r =>
            {
                r["valueString"] = "x";
                r["dataAbsentReason"] = new JsonObject { ["text"] = "unknown" };
            }));
            yield return ("Observation with a reference range of nothing (obs-3)", Change(resource, r =>
                r["referenceRange"] = new JsonArray(new JsonObject { ["type"] = new JsonObject { ["text"] = "normal" } })));
        }

        foreach (var (path, _) in leaves.Where(l => LastName(l.Path) == "reference" && !l.Path.StartsWith(".contained", StringComparison.Ordinal)).Take(3))
        {
            yield return ($"{type}{path} to a type that is not a target", Change(resource, r => Set(r, path, "Basic/b1")));
            yield return ($"{type}{path} with a malformed id", Change(resource, r => Set(r, path, "Patient/not an id")));
            yield return ($"{type}{path} to an absolute url", Change(resource, r => Set(r, path, "http://example.org/fhir/Patient/p1")));
            yield return ($"{type}{path} to a contained resource of a type not allowed", Change(resource, r =>
            {
                Set(r, path, "#b1");
                r["contained"] = new JsonArray(new JsonObject { ["resourceType"] = "Basic", ["id"] = "b1", ["code"] = new JsonObject { ["text"] = "x" } });
            }));
        }
    }

    private static JsonObject Change(JsonObject resource, Action<JsonObject> change)
    {
        var copy = (JsonObject)resource.DeepClone();
        change(copy);
        return copy;
    }

    private static string Malformed(string value) =>
        value.Length >= 4 && char.IsAsciiDigit(value[0]) && value.Contains('-', StringComparison.Ordinal) ? "2019-13-45T25:61:00"
        : value.StartsWith("http", StringComparison.Ordinal) || value.StartsWith("urn:", StringComparison.Ordinal) ? "urn:uuid:not a uuid"
        : value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.') ? "bad id!*" + value
        : " " + value + " ";

    private static IEnumerable<(string Path, string Value)> StringLeaves(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    if (key is not "resourceType" and not "div" && child is not null)
                    {
                        foreach (var leaf in StringLeaves(child, path + "." + key))
                        {
                            yield return leaf;
                        }
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is { } item)
                    {
                        foreach (var leaf in StringLeaves(item, $"{path}[{i}]"))
                        {
                            yield return leaf;
                        }
                    }
                }

                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                yield return (path, s);
                break;
        }
    }

    private static void Set(JsonObject root, string path, string value)
    {
        JsonNode? current = root;
        var steps = path.TrimStart('.').Split('.');
        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            if (current is null)
            {
                return;
            }

            var bracket = step.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? step : step[..bracket];
            var last = i == steps.Length - 1;
            if (bracket < 0)
            {
                if (last)
                {
                    current[name] = value;
                    return;
                }

                current = current[name];
            }
            else
            {
                var index = int.Parse(step[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
                if (last)
                {
                    current[name]![index] = value;
                    return;
                }

                current = current[name]?[index];
            }
        }
    }

    private static string LastName(string path)
    {
        var name = path[(path.LastIndexOf('.') + 1)..];
        var bracket = name.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? name : name[..bracket];
    }

    private static JsonObject? FirstObject(JsonObject resource) =>
        resource.Select(p => p.Value).OfType<JsonObject>().FirstOrDefault()
        ?? resource.Select(p => p.Value).OfType<JsonArray>().SelectMany(a => a).OfType<JsonObject>().FirstOrDefault();

    private static readonly string[] ChoiceSuffixes = ["DateTime", "Period", "Quantity", "CodeableConcept", "String", "Boolean", "Reference", "Age", "Range", "Integer", "Date", "Instant"];

    private static bool IsChoice(string name) => name != "resourceType" && ChoiceSuffixes.Any(s => name.Length > s.Length && name.EndsWith(s, StringComparison.Ordinal) && char.IsLower(name[0]));

    private static string ChoiceStem(string name) => name[..^ChoiceSuffixes.First(s => name.EndsWith(s, StringComparison.Ordinal)).Length];

    private static void Rename(JsonObject resource, string from, string to)
    {
        var value = resource[from]!.DeepClone();
        resource.Remove(from);
        resource[to] = value;
    }

    private static JsonArray Extensions(JsonObject resource)
    {
        if (resource["extension"] is not JsonArray extensions)
        {
            extensions = [];
            resource["extension"] = extensions;
        }

        return extensions;
    }

    private static JsonObject Meta(JsonObject resource)
    {
        if (resource["meta"] is not JsonObject meta)
        {
            meta = [];
            resource["meta"] = meta;
        }

        return meta;
    }

    /// <summary>The first extension (depth first) whose own extensions are sub-extensions with relative urls.</summary>
    private static JsonObject? FirstComplexExtension(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["url"] is JsonValue && o["extension"] is JsonArray { Count: > 0 } subs
                    && subs.All(e => e is JsonObject { } sub && sub["url"] is JsonValue u && u.TryGetValue<string>(out var url) && !url.Contains(':', StringComparison.Ordinal)))
                {
                    return o;
                }

                foreach (var (_, child) in o)
                {
                    if (FirstComplexExtension(child) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonArray a:
                foreach (var item in a)
                {
                    if (FirstComplexExtension(item) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static JsonArray SubExtensions(JsonObject resource) => (JsonArray)FirstComplexExtension(resource)!["extension"]!;

    private static JsonObject Geolocation(bool latitude, bool longitude)
    {
        var subs = new JsonArray();
        if (latitude)
        {
            subs.Add(new JsonObject { ["url"] = "latitude", ["valueDecimal"] = 42.1 });
        }

        if (longitude)
        {
            subs.Add(new JsonObject { ["url"] = "longitude", ["valueDecimal"] = -71.2 });
        }

        return new JsonObject { ["url"] = "http://hl7.org/fhir/StructureDefinition/geolocation", ["extension"] = subs };
    }

    private static JsonObject ContainedPatient(string id) => new() { ["resourceType"] = "Patient", ["id"] = id, ["active"] = true };

    private static JsonObject LocalReference(string reference) => new()
    {
        ["url"] = "http://example.org/fhir/ref",
        ["valueReference"] = new JsonObject { ["reference"] = reference },
    };

    private static JsonObject Narrative(string reference) => new()
    {
        ["status"] = "generated",
        ["div"] = $"<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\"{reference}\">contained</a></div>",
    };
}
