using System.Text.Json;
using CareLedger.Consent.Model;
using CareLedger.Consent.Validation;
using CareLedger.Consent.Vocabulary;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using ConsentPeriod = CareLedger.Consent.Model.Period;
using FhirCoding = Hl7.Fhir.Model.Coding;
using FhirConsent = Hl7.Fhir.Model.Consent;
using ModelCoding = CareLedger.Consent.Model.Coding;

namespace CareLedger.Access.Consents;

/// <summary>
/// Converts FHIR R4 <c>Consent</c> resources (JSON or Firely POCOs) into the consent engine's model (docs/consent.md).
/// Nothing is dropped silently: an element that constrains access but cannot be represented faithfully (a text-only
/// concept, a reference that is not <c>Type/id</c>, a malformed date, a modifier extension, <c>implicitRules</c>) is
/// reported as a <see cref="ConsentProblem"/> at its FHIR path. Elements that are informative only (identifier,
/// category, performer, organization, source[x], policy, verification, extensions) are accepted and not used.
/// </summary>
public sealed class FhirConsentMapper
{
    private const int MaxJsonDepth = 128;

    private static readonly FhirJsonDeserializer s_json = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    private readonly Func<string, PatientId?> _patientOf;

    /// <param name="patientOf">
    /// The engine's patient id for a FHIR patient logical id (the door uses the vault pseudonym as lowercase hex), or
    /// null when that patient has no records here.
    /// </param>
    public FhirConsentMapper(Func<string, PatientId?> patientOf)
    {
        ArgumentNullException.ThrowIfNull(patientOf);
        _patientOf = patientOf;
    }

    /// <summary>Parses strict FHIR R4 JSON and converts it; parse errors are reported as problems.</summary>
    /// <param name="expectedId">The id the Consent is stored or written under; a different <c>Consent.id</c> is a problem.</param>
    public ConsentMapping Map(ReadOnlySpan<byte> json, string? expectedId = null)
    {
        ConsentId? named = expectedId is null ? null : new ConsentId(expectedId);
        if (json.IsEmpty)
        {
            return Failed(named, "Consent", "is empty; a FHIR Consent resource was expected");
        }

        Resource? resource;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxJsonDepth });
            if (!s_json.TryDeserializeResource(reader, out resource, out var errors))
            {
                return new ConsentMapping(null, [.. errors.Select(e => ParseProblem(named, e))]);
            }
        }
        catch (JsonException e)
        {
            return Failed(named, "Consent", $"is not JSON: {e.Message}");
        }
        catch (DeserializationFailedException e)
        {
            return new ConsentMapping(null, [.. e.Exceptions.Select(x => ParseProblem(named, x))]);
        }

        return resource is FhirConsent consent
            ? Map(consent, expectedId)
            : Failed(named, "resourceType", $"is '{resource?.TypeName}', not Consent");
    }

    /// <summary>Converts a parsed Consent.</summary>
    /// <param name="expectedId">The id the Consent is stored or written under (used when the resource has none).</param>
    public ConsentMapping Map(FhirConsent consent, string? expectedId = null)
    {
        ArgumentNullException.ThrowIfNull(consent);
        var problems = new List<ConsentProblem>();
        var id = IdOf(consent, expectedId, problems);
        void Problem(string path, string message) => problems.Add(new ConsentProblem(id, path, message));

        if (!string.IsNullOrEmpty(consent.ImplicitRules))
        {
            Problem("implicitRules", "names rules this server does not understand, so the consent cannot be applied safely");
        }

        RejectModifierExtensions(consent.ModifierExtension, "modifierExtension", Problem);

        // Converted in the order of the resource's elements, so that problems are listed in that order too.
        var status = StatusOf(consent.Status);
        var scope = ScopeOf(consent.Scope, Problem);
        var patient = PatientOf(consent.Patient, Problem);
        var dateTime = InstantOf(consent.DateTime, "dateTime", Problem);
        // A missing base provision is passed on as null: the engine's validator reports it with everything else.
        var provision = consent.Provision is null ? null! : ProvisionOf(consent.Provision, "provision", 1, Problem);
        var directive = new ConsentDirective(id ?? default, patient, status, scope, provision)
        {
            DateTime = dateTime,
            PolicyRule = consent.PolicyRule?.Coding is { Count: > 0 } rule ? CodingOf(rule[0]) : null,
        };

        return new ConsentMapping(directive, problems);
    }

    // The SDK names the element (Consent.provision.actor[0].role); problems use paths relative to the Consent.
    private static ConsentProblem ParseProblem(ConsentId? id, CodedException error)
    {
        if (error is ExtendedCodedException { InstancePath: { Length: > 0 } path } located)
        {
            var relative = path.StartsWith("Consent.", StringComparison.Ordinal) ? path["Consent.".Length..] : path;
            return new ConsentProblem(id, relative, located.BaseErrorMessage);
        }

        return new ConsentProblem(id, "Consent", error.Message);
    }

    private static ConsentMapping Failed(ConsentId? id, string path, string message) =>
        new(null, [new ConsentProblem(id, path, message)]);

    private static ConsentId? IdOf(FhirConsent consent, string? expectedId, List<ConsentProblem> problems)
    {
        var own = string.IsNullOrWhiteSpace(consent.Id) ? null : consent.Id;
        if (own is not null && expectedId is not null && !string.Equals(own, expectedId, StringComparison.Ordinal))
        {
            var named = new ConsentId(expectedId);
            problems.Add(new ConsentProblem(named, "id", $"is '{own}', but the Consent is written as {expectedId}"));
            return named;
        }

        var id = own ?? expectedId;
        return id is null ? null : new ConsentId(id);
    }

    private PatientId PatientOf(ResourceReference? patient, Action<string, string> problem)
    {
        if (patient is null)
        {
            return default;
        }

        if (!LiteralReference.TryParse(patient.Reference, out var type, out var id) || type != "Patient")
        {
            problem("patient", "must be a relative reference Patient/id");
            return default;
        }

        if (_patientOf(id) is { } known)
        {
            return known;
        }

        problem("patient", "refers to a patient who has no records here");
        return default;
    }

    private static ConsentStatus StatusOf(FhirConsent.ConsentState? status) => status switch
    {
        FhirConsent.ConsentState.Draft => ConsentStatus.Draft,
        FhirConsent.ConsentState.Proposed => ConsentStatus.Proposed,
        FhirConsent.ConsentState.Active => ConsentStatus.Active,
        FhirConsent.ConsentState.Rejected => ConsentStatus.Rejected,
        FhirConsent.ConsentState.Inactive => ConsentStatus.Inactive,
        FhirConsent.ConsentState.EnteredInError => ConsentStatus.EnteredInError,
        _ => ConsentStatus.Unspecified,
    };

    private static ModelCoding ScopeOf(CodeableConcept? scope, Action<string, string> problem)
    {
        if (scope?.Coding is not { Count: > 0 } codings)
        {
            // The engine's validator reports the missing scope.
            return default;
        }

        var scopes = codings.Where(c => c.System == CodeSystems.ConsentScope).Select(c => c.Code).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count > 1)
        {
            problem("scope", $"has several consentscope codes ({string.Join(", ", scopes)}); a consent has one scope");
        }

        return scopes.Count > 0 ? new ModelCoding(CodeSystems.ConsentScope, scopes[0] ?? "") : CodingOf(codings[0]);
    }

    private ProvisionNode ProvisionOf(FhirConsent.provisionComponent provision, string path, int depth, Action<string, string> problem)
    {
        RejectModifierExtensions(provision.ModifierExtension, path + ".modifierExtension", problem);
        var node = new ProvisionNode(provision.Type switch
        {
            FhirConsent.ConsentProvisionType.Permit => ProvisionType.Permit,
            FhirConsent.ConsentProvisionType.Deny => ProvisionType.Deny,
            _ => ProvisionType.Unspecified,
        })
        {
            Period = PeriodOf(provision.Period, path + ".period", problem),
            Actors = ActorsOf(provision.Actor, path, problem),
            Actions = Flatten(provision.Action, path + ".action", problem),
            SecurityLabels = [.. provision.SecurityLabel.Select(CodingOf)],
            Purposes = [.. provision.Purpose.Select(CodingOf)],
            Classes = [.. provision.Class.Select(CodingOf)],
            Codes = Flatten(provision.Code, path + ".code", problem),
            DataPeriod = PeriodOf(provision.DataPeriod, path + ".dataPeriod", problem),
            Data = DataOf(provision.Data, path, problem),
        };

        // Beyond the engine's limit the children are not converted: the validator reports the depth at this node.
        if (depth > ConsentValidator.MaxNestingDepth)
        {
            return node;
        }

        var children = new List<ProvisionNode>(provision.Provision.Count);
        for (var i = 0; i < provision.Provision.Count; i++)
        {
            children.Add(ProvisionOf(provision.Provision[i], $"{path}.provision[{i}]", depth + 1, problem));
        }

        return node with { Provisions = children };
    }

    private static List<ProvisionActor> ActorsOf(List<FhirConsent.provisionActorComponent> actors, string path, Action<string, string> problem)
    {
        var result = new List<ProvisionActor>(actors.Count);
        for (var i = 0; i < actors.Count; i++)
        {
            var actorPath = $"{path}.actor[{i}]";
            var actor = actors[i];
            RejectModifierExtensions(actor.ModifierExtension, actorPath + ".modifierExtension", problem);
            string? reference = null;
            if (actor.Reference is { } given)
            {
                if (LiteralReference.IsValid(given.Reference))
                {
                    reference = given.Reference;
                }
                else
                {
                    problem(actorPath + ".reference", "must be a relative reference Type/id (absolute, contained, versioned and identifier-only references cannot be matched)");
                    continue;
                }
            }

            if (actor.Role is null)
            {
                result.Add(new ProvisionActor(null, reference));
                continue;
            }

            if (actor.Role.Coding.Count == 0)
            {
                problem(actorPath + ".role", "has no coding; a text-only role cannot be matched");
                continue;
            }

            // An actor list matches when any actor matches, so a role concept with several codings (the same role in
            // several code systems) is exactly one actor per coding.
            foreach (var coding in actor.Role.Coding)
            {
                result.Add(new ProvisionActor(CodingOf(coding), reference));
            }
        }

        return result;
    }

    private static List<DataReference> DataOf(List<FhirConsent.provisionDataComponent> data, string path, Action<string, string> problem)
    {
        var result = new List<DataReference>(data.Count);
        for (var i = 0; i < data.Count; i++)
        {
            var dataPath = $"{path}.data[{i}]";
            RejectModifierExtensions(data[i].ModifierExtension, dataPath + ".modifierExtension", problem);
            var reference = data[i].Reference?.Reference;
            if (reference is not null && !LiteralReference.IsValid(reference))
            {
                problem(dataPath + ".reference", "must be a relative reference Type/id");
                continue;
            }

            var meaning = data[i].Meaning switch
            {
                FhirConsent.ConsentDataMeaning.Instance => DataMeaning.Instance,
                FhirConsent.ConsentDataMeaning.Related => DataMeaning.Related,
                FhirConsent.ConsentDataMeaning.Dependents => DataMeaning.Dependents,
                FhirConsent.ConsentDataMeaning.Authoredby => DataMeaning.AuthoredBy,
                _ => DataMeaning.Unspecified,
            };
            result.Add(new DataReference(meaning, reference ?? ""));
        }

        return result;
    }

    /// <summary>The codings of CodeableConcepts, flattened: a list matches when any value matches.</summary>
    private static List<ModelCoding> Flatten(List<CodeableConcept> concepts, string path, Action<string, string> problem)
    {
        var result = new List<ModelCoding>();
        for (var i = 0; i < concepts.Count; i++)
        {
            if (concepts[i].Coding.Count == 0)
            {
                problem($"{path}[{i}]", "has no coding; a text-only concept cannot be matched");
                continue;
            }

            result.AddRange(concepts[i].Coding.Select(CodingOf));
        }

        return result;
    }

    private static ConsentPeriod? PeriodOf(Hl7.Fhir.Model.Period? period, string path, Action<string, string> problem)
    {
        if (period is null)
        {
            return null;
        }

        try
        {
            return ConsentPeriod.FromFhir(period.Start, period.End);
        }
        catch (FormatException e)
        {
            problem(path, e.Message);
            return null;
        }
    }

    private static DateTimeOffset? InstantOf(string? value, string path, Action<string, string> problem)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return ConsentPeriod.FromFhir(value, null).Start;
        }
        catch (FormatException e)
        {
            problem(path, e.Message);
            return null;
        }
    }

    // Missing parts stay empty so that the engine's validator names the coding ("needs a system and a code").
    private static ModelCoding CodingOf(FhirCoding coding) => new(coding.System ?? "", coding.Code ?? "");

    private static void RejectModifierExtensions(List<Extension> extensions, string path, Action<string, string> problem)
    {
        for (var i = 0; i < extensions.Count; i++)
        {
            problem($"{path}[{i}]", $"'{extensions[i].Url}' changes the meaning of the consent and is not understood here");
        }
    }
}
