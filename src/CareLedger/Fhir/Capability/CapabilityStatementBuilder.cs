using CareLedger.Fhir.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Capability;

/// <summary>
/// The CapabilityStatement at /fhir/metadata, generated from what is implemented: every resource type supports the
/// same interactions; the search parameters listed per type are exactly those in the <see cref="SearchParameterCatalog"/>.
/// </summary>
public static class CapabilityStatementBuilder
{
    private static readonly CapabilityStatement.TypeRestfulInteraction[] s_typeInteractions =
    [
        CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.Vread,
        CapabilityStatement.TypeRestfulInteraction.Update, CapabilityStatement.TypeRestfulInteraction.Delete,
        CapabilityStatement.TypeRestfulInteraction.HistoryInstance, CapabilityStatement.TypeRestfulInteraction.HistoryType,
        CapabilityStatement.TypeRestfulInteraction.Create, CapabilityStatement.TypeRestfulInteraction.SearchType,
    ];

    public static CapabilityStatement Build(string baseUrl, bool exportEnabled)
    {
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Documentation = "Every write is validated against the base R4 specification, encrypted in the vault and committed on the ledger. "
                + "String parameters (names, addresses) match by prefix of at least 3 characters or :exact; identifiers and telecom by exact token; "
                + "they cannot be sorted. Unsupported parameters or modifiers are refused (400), not ignored. "
                + "The Provenance of any version is at [type]/[id]/_history/[vid]/$provenance. "
                + "Every interaction but this statement needs a bearer token of this node (SMART App Launch v2 scopes) and passes the "
                + "access layer: the patient's consent decides, searches leave out what it withholds (and say how many), and every "
                + "decision is audited on the ledger (AuditEvent search by patient).",
            Security = new CapabilityStatement.SecurityComponent
            {
                Cors = false,
                Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR")],
                Description = "OAuth 2.0 / OpenID Connect with SMART App Launch v2 scopes; see .well-known/smart-configuration.",
                Extension = [OAuthUris(baseUrl)],
            },
            Interaction =
            [
                new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Transaction },
                new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Batch },
            ],
        };
        var common = new[]
        {
            Param("_id", SearchParamType.Token), Param("_lastUpdated", SearchParamType.Date),
            Param("_count", SearchParamType.Number), Param("_sort", SearchParamType.String), Param("_include", SearchParamType.String),
            Param("_total", SearchParamType.Token),
        };
        foreach (var type in ModelInfo.SupportedResources.Where(ModelInfo.IsKnownResource).Order(StringComparer.Ordinal))
        {
            var resource = new CapabilityStatement.ResourceComponent
            {
                Type = type,
                Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
                ReadHistory = true,
                UpdateCreate = true,
                ConditionalCreate = true,
                ConditionalUpdate = true,
                ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.Single,
                ConditionalRead = CapabilityStatement.ConditionalReadStatus.NotSupported,
                Interaction = [.. s_typeInteractions.Select(i => new CapabilityStatement.ResourceInteractionComponent { Code = i })],
                SearchParam = [.. common.Select(p => (CapabilityStatement.SearchParamComponent)p.DeepCopy())],
            };
            var parameters = SearchParameterCatalog.Instance.For(type);
            foreach (var p in parameters)
            {
                resource.SearchParam.Add(Param(p.Name, p.Type));
            }

            resource.SearchInclude = [.. parameters.Where(p => p.Type == SearchParamType.Reference).Select(p => $"{type}:{p.Name}")];
            if (exportEnabled && type is "Patient" or "Group")
            {
                resource.Operation.Add(new CapabilityStatement.OperationComponent { Name = "export", Definition = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/" + (type == "Patient" ? "patient-export" : "group-export") });
            }

            rest.Resource.Add(resource);
        }

        if (exportEnabled)
        {
            rest.Operation.Add(new CapabilityStatement.OperationComponent { Name = "export", Definition = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export" });
        }

        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "CareLedger" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "CareLedger node FHIR R4 API", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["application/fhir+json", "application/fhir+xml"],
            Rest = [rest],
        };
    }

    /// <summary>The SMART oauth-uris extension: where a client authorises and gets tokens.</summary>
    private static Extension OAuthUris(string baseUrl)
    {
        var root = baseUrl.EndsWith("/fhir", StringComparison.Ordinal) ? baseUrl[..^"/fhir".Length] : baseUrl;
        return new Extension
        {
            Url = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
            Extension =
            [
                new Extension("authorize", new FhirUri(root + "/connect/authorize")),
                new Extension("token", new FhirUri(root + "/connect/token")),
            ],
        };
    }

    private static CapabilityStatement.SearchParamComponent Param(string name, SearchParamType type) => new() { Name = name, Type = type };
}
