using System.Text.Json.Nodes;
using CareLedger.AccessApi;
using CareLedger.Access.Callers;
using CareLedger.Access.Credentials;
using CareLedger.Access.Gate;
using CareLedger.Fhir;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Export;
using CareLedger.Fhir.Validation;
using CareLedger.Identity.Api;
using CareLedger.Identity.Server;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;
using CareLedger.Vault;
using CareLedger.Vault.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Locator;

/// <summary>
/// The record locator over HTTP (F3, ADR 0009):
/// <list type="bullet">
/// <item><c>POST /fhir/Patient/$fetch-remote</c> — a clinician of this member asks for a patient's records held at other
/// members (Parameters with the patient's network <c>identifier</c>): this node finds the holders in the locator, asks
/// each through its door, audits what it received (or the refusal) and answers a <c>collection</c> Bundle, or 403 when
/// every holder refused.</item>
/// <item><c>GET /fhir/Patient/$disclose?locator=&lt;hex&gt;</c> — another member's node asks for the records of the
/// patient a locator pseudonym names, for one of its clinicians: its token (its own client, <c>private_key_jwt</c>) and
/// its signed <see cref="ClinicianAssertion"/> say who asks; this node's door decides under the patient's consent and
/// audits the disclosure or the refusal (403).</item>
/// </list>
/// </summary>
internal static class LocatorEndpoints
{
    public static IServiceCollection AddCareLedgerLocator(this IServiceCollection services, CareLedgerNode node)
    {
        services.AddHttpClient(nameof(MemberLinks), http => http.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton(sp => new MemberLinks(node.Ledger, sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(MemberLinks))));
        services.AddSingleton(sp => new RemoteRecords(node, sp.GetRequiredService<MemberLinks>()));
        return services;
    }

    /// <summary>Maps the two operations (before the generic FHIR routes), and once the server listens: registers the other
    /// members' nodes as clients and starts announcing this member's patients.</summary>
    public static WebApplication MapCareLedgerLocator(this WebApplication app)
    {
        var group = app.MapGroup("/fhir");
        group.AddEndpointFilter(new AccessProblemFilter());
        var fhir = group.MapGroup(string.Empty).RequireCaller();
        fhir.MapPost("/Patient/$fetch-remote", FetchRemoteAsync);
        fhir.MapGet("/Patient/$disclose", DiscloseAsync);

        var node = app.Services.GetRequiredService<CareLedgerNode>();
        if (node.Locator is { } locator)
        {
            app.Lifetime.ApplicationStarted.Register(() =>
            {
                var issuer = app.Services.GetRequiredService<IssuerResolver>();
                var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CareLedger.Locator");
                locator.Logger = logger;
                try
                {
                    MemberClients.RegisterAsync(app.Services.GetRequiredService<Identity.Accounts.IdentityStore>(), node.Ledger, logger, app.Lifetime.ApplicationStopping)
                        .GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // The node still serves; other members' nodes are refused tokens until a restart registers them.
                    logger.LogError("record locator: the other members' nodes could not be registered as clients: {Type}: {Message}", e.GetType().Name, e.Message);
                }

                locator.Start(issuer.FhirBaseUrl);
            });
        }

        return app;
    }

    private static async Task<IResult> FetchRemoteAsync(HttpContext context, CareLedgerNode node, RemoteRecords remote, CancellationToken ct)
    {
        var locator = RequireLocator(node);
        var caller = context.GetCaller();
        if (caller.Role == CareLedgerRole.Patient && caller.Reference is { ResourceType: "Patient" })
        {
            return await FetchOwnRemoteAsync(context, remote, ct);
        }

        if (caller.Role != CareLedgerRole.Clinician || caller.Reference?.ToString() is not { } practitioner || !practitioner.StartsWith("Practitioner/", StringComparison.Ordinal))
        {
            throw AccessProblems.Forbidden("only a clinician (a Practitioner) or the patient themself fetches a patient's records from other members");
        }

        // From here every outcome is recorded in this node's trail by AuditReceipt (FhirHttp.Caller notes it).
        var fhirCaller = FhirHttp.Caller(context);

        var identifier = IdentifierOf(await FhirHttp.ReadResourceAsync(context.Request, 64 * 1024, ct));
        if (identifier.System != locator.Key.IdentifierSystem || string.IsNullOrWhiteSpace(identifier.Value))
        {
            throw FhirProblemException.BadRequest($"the patient is named across the network by an identifier of system {locator.Key.IdentifierSystem}");
        }

        var fetched = await remote.ForClinicianAsync(fhirCaller, identifier.Value, holderTimeout: null, ct);
        return fetched.Answers.Count == 0
            ? throw FhirProblemException.NotFound(fetched.NotAsked ?? "the record locator names no other member holding records of this patient")
            : Collected(fetched.Answers);
    }

    /// <summary>
    /// A patient asks for their own records at other members (ADR 0010): no identifier needed (the node takes it from the
    /// patient's own record here); one that names anybody else is refused, and the refusal audited.
    /// </summary>
    private static async Task<IResult> FetchOwnRemoteAsync(HttpContext context, RemoteRecords remote, CancellationToken ct)
    {
        var patient = RemoteRecords.AsPatientRequest(FhirHttp.Caller(context));
        var own = RemoteRecords.OwnPatientId(patient);
        if (context.Request.ContentLength is not 0 && (context.Request.ContentLength is not null || context.Request.Headers.TransferEncoding.Count > 0))
        {
            var identifier = IdentifierOf(await FhirHttp.ReadResourceAsync(context.Request, 64 * 1024, ct));
            if (!remote.NetworkIdentifiers(patient, own).Contains(identifier.Value?.Trim(), StringComparer.Ordinal))
            {
                const string NotOwn = "a patient fetches only their own records from other members: the identifier is not the one on your record";
                remote.Node.Gate.AuditReceipt(patient.Who, patient.Context, null, false, 0, [NotOwn], "records from other members");
                throw AccessProblems.Forbidden(NotOwn);
            }
        }

        var fetched = await remote.ForPatientAsync(patient, holderTimeout: null, ct);
        if (fetched.NotAsked is { } why)
        {
            throw FhirProblemException.NotFound(why);
        }

        return fetched.Answers.Count == 0
            ? throw FhirProblemException.NotFound("the record locator names no other member holding records of you")
            : Collected(fetched.Answers);
    }

    /// <summary>
    /// The records the holders disclosed as a <c>collection</c> Bundle (each <c>fullUrl</c> at the holder), with an
    /// OperationOutcome entry naming the members that refused; 403 when every holder refused.
    /// </summary>
    private static IResult Collected(IReadOnlyList<HolderAnswer> answers)
    {
        var entries = new JsonArray();
        var refusals = new List<string>();
        foreach (var (holder, answer) in answers)
        {
            if (answer.Refusal is not null)
            {
                refusals.Add($"member {holder.Member} ({holder.Organisation}) answered {answer.Status}: {answer.Refusal}");
                continue;
            }

            foreach (var record in answer.Records)
            {
                entries.Add(new JsonObject
                {
                    ["fullUrl"] = $"{holder.FhirBase.AbsoluteUri.TrimEnd('/')}/{(string?)record["resourceType"]}/{(string?)record["id"]}",
                    ["resource"] = record,
                });
            }
        }

        if (refusals.Count == answers.Count)
        {
            throw AccessProblems.Forbidden(string.Join("; ", refusals));
        }

        if (refusals.Count > 0)
        {
            var outcome = OperationOutcomes.Single(OperationOutcome.IssueSeverity.Warning, OperationOutcome.IssueType.Forbidden, string.Join("; ", refusals));
            entries.Add(new JsonObject
            {
                ["resource"] = JsonNode.Parse(FhirSerialization.ToJson(outcome)),
                ["search"] = new JsonObject { ["mode"] = "outcome" },
            });
        }

        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection", ["entry"] = entries };
        return Results.Text(bundle.ToJsonString(), "application/fhir+json; charset=utf-8");
    }

    private static IResult DiscloseAsync(HttpContext context, CareLedgerNode node, IssuerResolver issuer, string? locator,
        [Microsoft.AspNetCore.Mvc.FromQuery(Name = "_count")] string? count, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "_page")] string? page)
    {
        var records = RequireLocator(node);
        var caller = context.GetCaller();
        var ledger = node.Ledger;
        var member = caller.Role == CareLedgerRole.System && caller.ClientId is { } client
            ? ledger.State.MembersAt(ledger.Size).FirstOrDefault(m => m.Name == client && m.Organisation == caller.Organisation && m.Name != ledger.MemberName)
            : null;
        if (member is null)
        {
            throw AccessProblems.Forbidden("only another member's node asks for a disclosure, with a token of its own client");
        }

        var clinicianCompact = context.Request.Headers[MemberLinks.AssertionHeader].FirstOrDefault();
        var patientCompact = context.Request.Headers[MemberLinks.PatientAssertionHeader].FirstOrDefault();
        if ((clinicianCompact is null) == (patientCompact is null))
        {
            throw AccessProblems.Forbidden($"a disclosure names whom it is for: send the {MemberLinks.AssertionHeader} header (a clinician) or the {MemberLinks.PatientAssertionHeader} header (the patient themself), one of them");
        }

        byte[]? MemberKey(string name) => name == member.Name ? ledger.State.FindKey(member.NodeKey)?.PublicKeySpki : null;
        var now = DateTimeOffset.UtcNow;
        string claimed;
        Func<string, Accessor> accessor;
        string purpose;
        string detail;
        var scopes = caller.ToAccessor().Scopes;
        try
        {
            if (patientCompact is not null)
            {
                // The patient themself, signed in at the asking member (ADR 0010): the door decides as for a patient reading
                // their own records, purpose PATRQT, and the patient's access log here names the member and its session.
                var patient = PatientAssertion.Verify(patientCompact, MemberKey, issuer.FhirBaseUrl.AbsoluteUri, now);
                claimed = patient.Locator;
                accessor = id => new Accessor($"{member.Name}/{patient.Subject}", CareLedgerRole.Patient, $"Patient/{id}", member.Organisation, id, scopes)
                {
                    ClientId = member.Name,
                };
                purpose = PurposeDefaults.PatientRequested;
                detail = $"disclosure to member {member.Name} at the patient's own request (request {patient.Session} there)";
            }
            else
            {
                var clinician = ClinicianAssertion.Verify(clinicianCompact!, MemberKey, issuer.FhirBaseUrl.AbsoluteUri, now);
                claimed = clinician.Locator;
                accessor = _ => new Accessor($"{member.Name}/{clinician.Subject}", CareLedgerRole.Clinician, clinician.Practitioner, member.Organisation, null, scopes)
                {
                    ClientId = member.Name,
                    PresentedCredential = clinician.Credential,
                };
                purpose = clinician.Purpose;
                detail = $"disclosure to member {member.Name}";
            }
        }
        catch (FormatException e)
        {
            throw AccessProblems.Forbidden(e.Message);
        }

        if (locator is null || !string.Equals(locator, claimed, StringComparison.Ordinal) || locator.Length != 64 || !locator.All(char.IsAsciiHexDigitLower))
        {
            throw FhirProblemException.BadRequest("locator must be the patient's locator pseudonym (64 lowercase hex digits) that the assertion names");
        }

        var size = DisclosurePage.MaxSize;
        if (count is not null && (!int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size)
                                  || size is < 1 or > DisclosurePage.MaxSize))
        {
            throw FhirProblemException.BadRequest($"_count must be 1 to {DisclosurePage.MaxSize} (records a page)");
        }

        DisclosureCursor? from = null;
        if (page is not null && (from = DisclosureCursor.Parse(page, BulkExportService.PatientCompartmentTypes)) is null)
        {
            throw FhirProblemException.BadRequest("_page must be a page cursor this member handed out (a next link)");
        }

        var patientId = records.LocalPatient(Convert.FromHexString(locator))
            ?? throw FhirProblemException.NotFound("this member holds no records of the patient that locator names");
        var who = accessor(patientId);
        var fhirCaller = new FhirCaller(who, new AccessContext(purpose, context.TraceIdentifier));
        // The door records its decision for the clinician; a 403 after it is that decision, not a second refusal.
        RefusalAudit.NoteDoorConsulted(context);
        var repository = node.Fhir.Repository;
        var (addresses, next) = DisclosurePage.Plan(repository.Query, BulkExportService.PatientCompartmentTypes, patientId, size, from);
        var disclosure = repository.ReadMany(fhirCaller, AccessAction.Disclose, addresses, detail);
        if (disclosure.Records.Count == 0 && disclosure.Withheld > 0)
        {
            var reasons = disclosure.AuditIds.Select(node.Audit.Find).FirstOrDefault(e => e is not null)?.Record.Reasons;
            throw AccessProblems.Forbidden($"the patient's consent does not permit this disclosure: {(reasons is { Count: > 0 } ? string.Join("; ", reasons) : "refused")}");
        }

        var entries = new JsonArray();
        foreach (var record in disclosure.Records)
        {
            entries.Add(new JsonObject
            {
                ["fullUrl"] = $"{issuer.FhirBaseUrl.AbsoluteUri.TrimEnd('/')}/{record.Address.ResourceType}/{record.Address.Id}",
                ["resource"] = JsonNode.Parse(record.Json),
            });
        }

        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection" };
        if (next is not null)
        {
            // The rest of the disclosure, decided again (under the consent then in force) and audited when asked for.
            var url = $"{issuer.FhirBaseUrl.AbsoluteUri.TrimEnd('/')}/Patient/$disclose?locator={locator}&_count={size}&_page={Uri.EscapeDataString(next.ToString())}";
            bundle["link"] = new JsonArray(new JsonObject { ["relation"] = "next", ["url"] = url });
        }

        bundle["entry"] = entries;
        return Results.Text(bundle.ToJsonString(), "application/fhir+json; charset=utf-8");
    }

    private static RecordLocator RequireLocator(CareLedgerNode node) =>
        node.Locator ?? throw FhirProblemException.NotFound("this node takes no part in the record locator (it holds no locator key)");

    private static Identifier IdentifierOf(Resource body)
    {
        if (body is Parameters parameters && parameters.Parameter.FirstOrDefault(p => p.Name == "identifier")?.Value is Identifier identifier)
        {
            return identifier;
        }

        throw FhirProblemException.BadRequest("send Parameters with one parameter 'identifier' (valueIdentifier: the patient's network identifier)");
    }
}
