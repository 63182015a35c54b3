using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CareLedger.Access.Audit;
using CareLedger.Access.Credentials;
using CareLedger.Access.Delegation;
using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Training;
using CareLedger.Cli;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;
using CareLedger.Fhir;
using CareLedger.Fhir.Validation;
using CareLedger.Identity.Accounts;
using CareLedger.Node;
using CareLedger.Tests.Identity;
using CareLedger.Tests.Support;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static CareLedger.Tests.Access.AuthorizationMatrixTests;
using Endpoint = CareLedger.Tests.Access.AuthorizationMatrixTests.Endpoint;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Access;

/// <summary>
/// The matrix's node: the node's own composition and host (<see cref="NodeHost"/>) on a loopback port, one patient per
/// consent state (each with an Observation, an Immunization, an extra Consent to revoke, a guardian and a caregiver,
/// and an audit record whose receipt can be fetched), a licensed clinician, one without a licence and one whose licence
/// was revoked. Tokens are minted per cell with the node's own signing key (or a stranger's, for the forgery), with the
/// scopes the token endpoint would grant the role, and a subject of their own, so each cell's audit records are its own.
/// For the AI's rows, a Pima logistic model trained through the door on 60 demo patients and registered on the ledger
/// (a test gate: AUROC ≥ 0.5), and each matrix patient has a glucose and a body-mass index Observation it reads.
/// </summary>
public sealed class AuthorizationMatrixWorld : IAsyncLifetime, IDisposable
{
    private const string Organisation = "Matrix Hospital";
    private const string Clinician = "Practitioner/matrix-dr";
    private const string UnlicensedClinician = "Practitioner/matrix-nocred";
    private const string RevokedLicenceClinician = "Practitioner/matrix-revoked";
    private const string Researcher = "Practitioner/matrix-researcher";
    private const string Guardian = "RelatedPerson/matrix-guardian";
    private const string Caregiver = "RelatedPerson/matrix-caregiver";
    private const string Nobody = "Practitioner/matrix-nobody";

    /// <summary>The AI's rows ask this Pima model (trained on demo patients of the matrix node) about the cell's patient.</summary>
    private const string ModelName = "pima-matrix";
    private const string ModelId = ModelName + "@1.0.0";

    private static readonly FhirCaller Setup = FhirCaller.Custodian(Organisation, "matrix-setup");

    private readonly TempDirectory directory = new();
    private readonly Dictionary<ConsentState, MatrixPatient> patients = [];
    private CareLedgerNode? node;
    private WebApplication? app;
    private HttpClient? http;
    private SecurityKey? nodeKey;
    private SecurityKey? strangerKey;
    private string baseUrl = string.Empty;
    private string otherPatient = string.Empty;
    private string licence = string.Empty;
    private int serial;

    /// <summary>A patient of the matrix and what the cells ask about.</summary>
    public sealed record MatrixPatient(string Id, string ObservationId, string ImmunizationId, string ExtraConsentId, Guid AuditId, string Marker);

    /// <summary>One prepared cell: the request, the text only its patient's records carry, and whom the audit names.</summary>
    public sealed record Cell(Endpoint Endpoint, ConsentState State, HttpRequestMessage Request, string Marker, string AuditSubject);

    private CareLedgerNode Node => node ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        node = await CareLedgerNode.InitializeAsync(NodePaths.For(directory.Combine("data")),
            new NodeConfig { Origin = "careledger.test/matrix", OrganisationName = Organisation }, CancellationToken.None,
            FhirServerOptions.Default with { ExportDirectory = directory.Combine("export") });
        app = NodeHost.Build(node, "http://127.0.0.1:0");
        await app.StartAsync();
        baseUrl = NodeHost.BoundAddresses(app)[0].TrimEnd('/');
        http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl + "/") };
        nodeKey = TokenMinter.NodeKey(node.Paths.DataDirectory);
        strangerKey = TokenMinter.ForgedKey(node.Paths.DataDirectory);

        foreach (var practitioner in new[] { Clinician, UnlicensedClinician, RevokedLicenceClinician, Researcher, Nobody })
        {
            var id = practitioner["Practitioner/".Length..];
            await node.Fhir.UpdateAsync(Setup, "Practitioner", id, new Practitioner { Id = id, Active = true }, null, CancellationToken.None);
        }

        var board = await node.Credentials.EnsureIssuerKeyAsync("Matrix board", CancellationToken.None);
        licence = (await node.Credentials.IssueAsync(board, Clinician, new PractitionerLicence("MX-1", "internal medicine"), DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None)).Jwt;
        var revoked = await node.Credentials.IssueAsync(board, RevokedLicenceClinician, new PractitionerLicence("MX-2", "surgery"), DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);
        await node.Credentials.RevokeAsync(revoked.Id, "struck off", CancellationToken.None);

        foreach (var state in Enum.GetValues<ConsentState>())
        {
            patients[state] = await NewPatientAsync(state, withDelegates: true);
        }

        var loader = new DemoCohortLoader(node.Fhir, Setup);
        await loader.LoadAsync(FeatureSets.Pima, DemoCohortLoader.ReadReference(FeatureSets.Pima, AiCommands.ClinicalDataDirectory), 60, null, null, CancellationToken.None);
        var ai = app.Services.GetRequiredService<AiServices>();
        await ai.Registry.SetPolicyAsync(new GatePolicy { MinAuroc = 0.5, MaxEqualizedOddsDifference = null }, CancellationToken.None);
        await ai.Training.TrainAsync(ModelCommands.Researcher(node),
            new TrainingRequest(FeatureSets.Pima, ModelKind.LogisticRegression, ModelName, "1.0.0", Folds: 5), CancellationToken.None);

        otherPatient = (await node.Fhir.CreateAsync(Setup, new Patient { Gender = AdministrativeGender.Male, BirthDate = "1970-01-01" }, null, CancellationToken.None)).Id;

        // Every patient's audit record of its Observation's creation, anchored under a checkpoint: the receipt cells ask for it.
        await node.Audit.FlushAsync(CancellationToken.None);
        foreach (var (state, patient) in patients.ToList())
        {
            var entries = node.Audit.ForPatient(node.Gate.PseudonymOf(patient.Id)!, null, AuditQuery.MaxLimit);
            var entry = entries[^1];
            await node.Ledger.WaitForCheckpointAsync(entry.LeafIndex!.Value, CancellationToken.None);
            patients[state] = patient with { AuditId = entry.Record.Id };
        }
    }

    /// <summary>The cell's request, as its caller would send it; an erasure gets a patient of its own, a revocation a credential of its own.</summary>
    public async Task<Cell> PrepareAsync(Endpoint endpoint, Caller caller, ConsentState state)
    {
        var patient = endpoint == Endpoint.Erase ? await NewPatientAsync(state, withDelegates: false) : patients[state];
        var n = Interlocked.Increment(ref serial);
        var request = endpoint switch
        {
            Endpoint.ReadObservation => Get($"fhir/Observation/{patient.ObservationId}"),
            Endpoint.VReadObservation => Get($"fhir/Observation/{patient.ObservationId}/_history/1"),
            Endpoint.SearchObservation => Get($"fhir/Observation?subject=Patient/{patient.Id}"),
            Endpoint.HistoryObservation => Get($"fhir/Observation/{patient.ObservationId}/_history"),
            Endpoint.CreateObservation => Send(HttpMethod.Post, "fhir/Observation", Fhir(Observation(patient.Id, patient.Marker))),
            Endpoint.ReadImmunization => Get($"fhir/Immunization/{patient.ImmunizationId}"),
            Endpoint.ReadPatient => Get($"fhir/Patient/{patient.Id}"),
            Endpoint.GrantConsent => Send(HttpMethod.Post, "fhir/Consent", Fhir(NobodysConsent(patient.Id, null))),
            Endpoint.RevokeConsent => Send(HttpMethod.Put, $"fhir/Consent/{patient.ExtraConsentId}", Fhir(NobodysConsent(patient.Id, patient.ExtraConsentId))),
            Endpoint.BulkExport => Get("fhir/Patient/$export?_type=Observation", ("Prefer", "respond-async"), ("Accept", "application/fhir+json")),
            Endpoint.GdprExport => Get($"fhir/Patient/{patient.Id}/$gdpr-export"),
            Endpoint.AuditEvents => Get($"fhir/AuditEvent?patient={patient.Id}"),
            Endpoint.AuditReceipt => Get($"access/audit/{patient.AuditId:D}/receipt?patient={patient.Id}"),
            Endpoint.Notifications => Get("access/notifications"),
            Endpoint.Delegations => Get($"access/delegations?patient={patient.Id}"),
            Endpoint.GrantDelegation => Send(HttpMethod.Post, "access/delegations", Json(new
            {
                patient = patient.Id,
                @delegate = $"RelatedPerson/matrix-helper-{n}",
                kind = "caregiver",
                source = caller == Caller.PrivacyOfficer ? "court-order" : "patient",
            })),
            Endpoint.BreakGlassReview => Get("access/break-glass"),
            Endpoint.Accounting => Get($"compliance/accounting?patient={patient.Id}"),
            Endpoint.Erase => Send(HttpMethod.Post, $"fhir/Patient/{patient.Id}/$erase", Json(new { confirm = "erase" })),
            Endpoint.ListCredentials => Get("credentials"),
            Endpoint.IssueCredential => Send(HttpMethod.Post, "credentials", Json(new
            {
                practitioner = $"Practitioner/matrix-issued-{n}",
                licenceNumber = $"MXI-{n}",
                speciality = "paediatrics",
                validUntil = DateTimeOffset.UtcNow.AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            })),
            Endpoint.RevokeCredential => Send(HttpMethod.Post, $"credentials/{await FreshCredentialAsync(n)}/$revoke", Json(new { reason = "matrix" })),
            Endpoint.VerifyCredential => Get($"credentials/verify?credential={licence}"),
            Endpoint.Metadata => Get("fhir/metadata"),
            Endpoint.AiPredict => Send(HttpMethod.Post, "ai/predict", Json(new { model = ModelId, patient = $"Patient/{patient.Id}" })),
            Endpoint.FhirPredict => Get($"fhir/Patient/{patient.Id}/$predict?model={Uri.EscapeDataString(ModelId)}"),
            Endpoint.FhirPredictPost => Send(HttpMethod.Post, $"fhir/Patient/{patient.Id}/$predict",
                Fhir(new Parameters { Parameter = [new Parameters.ParameterComponent { Name = "model", Value = new FhirString(ModelId) }] })),
            Endpoint.CdsPatientView => Send(HttpMethod.Post, $"cds-services/{ModelName}-patient-view", Json(new
            {
                hook = "patient-view",
                hookInstance = Guid.NewGuid().ToString("D"),
                context = new { userId = Clinician, patientId = patient.Id },
            })),
            Endpoint.CdsOrderSelect => Send(HttpMethod.Post, $"cds-services/{ModelName}-order-select", Json(new
            {
                hook = "order-select",
                hookInstance = Guid.NewGuid().ToString("D"),
                context = new { userId = Clinician, patientId = patient.Id, selections = Array.Empty<string>(), draftOrders = new { resourceType = "Bundle", type = "collection" } },
            })),
            Endpoint.AiModels => Get("ai/models"),
            Endpoint.AiModelCard => Get($"ai/models/{Uri.EscapeDataString(ModelId)}"),
            Endpoint.AiBiasReport => Get($"ai/models/{Uri.EscapeDataString(ModelId)}/bias-report"),
            Endpoint.CdsDiscovery => Get("cds-services"),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "not in the table"),
        };

        var subject = $"mx-{caller}-{state}-{endpoint}".ToLowerInvariant();
        if (Token(caller, subject, patient.Id) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (state == ConsentState.BreakGlass)
        {
            request.Headers.Add("CareLedger-Break-Glass-Reason", "unconscious in the emergency department");
            request.Headers.Add("CareLedger-Break-Glass-Until", DateTimeOffset.UtcNow.AddMinutes(30).ToString("O", CultureInfo.InvariantCulture));
        }

        if (caller == Caller.Researcher)
        {
            request.Headers.Add("CareLedger-Purpose-Of-Use", "HRESCH");
        }

        var authenticated = caller is not (Caller.ForgedToken or Caller.ExpiredToken or Caller.OtherAudienceToken or Caller.NoToken);
        return new Cell(endpoint, state, request, patient.Marker, authenticated ? subject : CareLedger.Access.Callers.Accessor.AnonymousSubject);
    }

    /// <summary>Sends the cell's request; a bulk export is followed through its status to its files, whose contents are the body.</summary>
    public async Task<(HttpStatusCode Status, string Body, bool Challenge)> SendAsync(Cell cell)
    {
        using var request = cell.Request;
        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var challenge = response.Headers.WwwAuthenticate.Count > 0;
        if (cell.Endpoint != Endpoint.BulkExport || response.StatusCode != HttpStatusCode.Accepted)
        {
            return (response.StatusCode, body, challenge);
        }

        var status = response.Content.Headers.ContentLocation ?? response.Headers.Location
            ?? throw new InvalidOperationException("an export kick-off without Content-Location");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var poll = new HttpRequestMessage(HttpMethod.Get, status);
            poll.Headers.Authorization = request.Headers.Authorization;
            using var answer = await Client.SendAsync(poll);
            var text = await answer.Content.ReadAsStringAsync();
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                var files = new StringBuilder();
                foreach (var output in JsonDocument.Parse(text).RootElement.GetProperty("output").EnumerateArray())
                {
                    using var download = new HttpRequestMessage(HttpMethod.Get, output.GetProperty("url").GetString());
                    download.Headers.Authorization = request.Headers.Authorization;
                    using var file = await Client.SendAsync(download);
                    files.Append(await file.Content.ReadAsStringAsync());
                }

                return (HttpStatusCode.OK, files.ToString(), false);
            }

            if (answer.StatusCode != HttpStatusCode.Accepted || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the export status answered {(int)answer.StatusCode}: {text}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>What the audit trail holds of <paramref name="subject"/> since <paramref name="from"/>, once everything queued is written.</summary>
    public async Task<IReadOnlyList<AuditRecord>> AuditOfAsync(string subject, DateTimeOffset from)
    {
        await Node.Audit.FlushAsync(CancellationToken.None);
        return [.. Node.Audit.Query(new AuditQuery { AccessorSubject = subject, From = from, Limit = AuditQuery.MaxLimit }).Select(e => e.Record)];
    }

    private HttpClient Client => http ?? throw new InvalidOperationException("not started");

    private string? Token(Caller caller, string subject, string patientId)
    {
        string Mint(CareLedgerRole role, string? fhirUser = null, string? patient = null, string scope = "", SecurityKey? key = null,
            DateTime? expires = null, string? audience = null)
        {
            var claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["role"] = role.ToName(),
                ["scope"] = scope.Length > 0 ? scope : RoleScopes.AllowedFor(role).ToString(),
                ["client_id"] = "matrix-app",
                ["organisation"] = Organisation,
                ["jti"] = Guid.NewGuid().ToString("N"),
            };
            if (fhirUser is not null)
            {
                claims["fhirUser"] = $"{baseUrl}/fhir/{fhirUser}";
            }

            if (patient is not null)
            {
                claims["patient"] = patient;
            }

            var until = expires ?? DateTime.UtcNow.AddMinutes(30);
            return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = baseUrl + "/",
                Audience = audience ?? baseUrl + "/fhir",
                NotBefore = until.AddHours(-2),
                IssuedAt = until.AddHours(-2),
                Expires = until,
                TokenType = "at+jwt",
                SigningCredentials = new SigningCredentials(key ?? nodeKey, SecurityAlgorithms.RsaSha256),
                Claims = claims,
            });
        }

        return caller switch
        {
            Caller.System => Mint(CareLedgerRole.System, scope: "system/*.cruds"),
            Caller.Patient => Mint(CareLedgerRole.Patient, $"Patient/{patientId}", patientId),
            Caller.OtherPatient => Mint(CareLedgerRole.Patient, $"Patient/{otherPatient}", otherPatient),
            Caller.Clinician => Mint(CareLedgerRole.Clinician, Clinician),
            Caller.UnlicensedClinician => Mint(CareLedgerRole.Clinician, UnlicensedClinician),
            Caller.RevokedLicenceClinician => Mint(CareLedgerRole.Clinician, RevokedLicenceClinician),
            Caller.Guardian => Mint(CareLedgerRole.Guardian, Guardian, patientId),
            Caller.Caregiver => Mint(CareLedgerRole.Caregiver, Caregiver, patientId),
            Caller.Researcher => Mint(CareLedgerRole.Researcher, Researcher),
            Caller.PrivacyOfficer => Mint(CareLedgerRole.PrivacyOfficer),
            Caller.BoardOfficer => Mint(CareLedgerRole.BoardOfficer),
            Caller.Operator => Mint(CareLedgerRole.Operator),
            Caller.ForgedToken => Mint(CareLedgerRole.Clinician, Clinician, key: strangerKey),
            Caller.ExpiredToken => Mint(CareLedgerRole.Clinician, Clinician, expires: DateTime.UtcNow.AddMinutes(-10)),
            Caller.OtherAudienceToken => Mint(CareLedgerRole.Clinician, Clinician, audience: "https://elsewhere.example/fhir"),
            _ => null,
        };
    }

    /// <summary>A patient in <paramref name="state"/>: the Patient, an Observation and an Immunization carrying its marker, its consents.</summary>
    private async Task<MatrixPatient> NewPatientAsync(ConsentState state, bool withDelegates)
    {
        var fhir = Node.Fhir;
        var ct = CancellationToken.None;
        var id = (await fhir.CreateAsync(Setup, new Patient { Gender = AdministrativeGender.Female, BirthDate = "1980-02-03" }, null, ct)).Id;
        var marker = $"matrix-marker-{id}";
        await fhir.UpdateAsync(Setup, "Patient", id, new Patient
        {
            Id = id,
            Gender = AdministrativeGender.Female,
            BirthDate = "1980-02-03",
            Identifier = [new Identifier("urn:careledger:matrix", marker)],
        }, null, ct);
        var observation = (await fhir.CreateAsync(Setup, Observation(id, marker), null, ct)).Id;
        // What the AI's rows predict from (the model imputes the rest).
        await fhir.CreateAsync(Setup, Measurement(id, "1518-0", "Glucose [Mass/volume] in Serum or Plasma --2 hours post 75 g glucose PO", 148, "mg/dL"), null, ct);
        await fhir.CreateAsync(Setup, Measurement(id, "39156-5", "Body mass index (BMI) [Ratio]", 33.6m, "kg/m2"), null, ct);
        var immunization = (await fhir.CreateAsync(Setup, new Immunization
        {
            Status = Immunization.ImmunizationStatusCodes.Completed,
            VaccineCode = new CodeableConcept("http://hl7.org/fhir/sid/cvx", "140", "Influenza"),
            Patient = new ResourceReference($"Patient/{id}"),
            Occurrence = new FhirDateTime("2026-10-01"),
            Note = [new Annotation { Text = new Markdown(marker) }],
        }, null, ct)).Id;
        foreach (var consent in ConsentsFor(state, id))
        {
            await fhir.CreateAsync(Setup, consent, null, ct);
        }

        var extra = (await fhir.CreateAsync(Setup, NobodysConsent(id, null), null, ct)).Id;
        if (withDelegates)
        {
            var pseudonym = Node.Gate.PseudonymOf(id)!;
            await Node.Delegations.GrantAsync(pseudonym, Guardian, DelegateKind.Guardian, new DelegationScope(), DelegationSource.CourtOrder, Node.Ledger.Keys.Node, ct);
            await Node.Delegations.GrantAsync(pseudonym, Caregiver, DelegateKind.Caregiver,
                new DelegationScope { Actions = [ConsentActions.Access], Classes = [ResourceClasses.OfType("Immunization")] },
                DelegationSource.CourtOrder, Node.Ledger.Keys.Node, ct);
        }

        return new MatrixPatient(id, observation, immunization, extra, Guid.Empty, marker);
    }

    private async Task<string> FreshCredentialAsync(int n)
    {
        var board = await Node.Credentials.EnsureIssuerKeyAsync("Matrix board", CancellationToken.None);
        return (await Node.Credentials.IssueAsync(board, $"Practitioner/matrix-revocable-{n}", new PractitionerLicence($"MXR-{n}", "dermatology"),
            DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None)).Id;
    }

    private static HttpRequestMessage Get(string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static HttpRequestMessage Send(HttpMethod method, string path, HttpContent content) => new(method, path) { Content = content };

    private static StringContent Fhir(Resource resource) => new(FhirSerialization.ToJson(resource), Encoding.UTF8, "application/fhir+json");

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static Observation Observation(string patientId, string marker) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
        Subject = new ResourceReference($"Patient/{patientId}"),
        Effective = new FhirDateTime("2026-11-20T10:00:00Z"),
        Value = new Quantity(72, "/min", "http://unitsofmeasure.org"),
        Note = [new Annotation { Text = new Markdown(marker) }],
    };

    private static Observation Measurement(string patientId, string loinc, string display, decimal value, string unit) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", loinc, display),
        Subject = new ResourceReference($"Patient/{patientId}"),
        Effective = new FhirDateTime("2026-11-20T10:00:00Z"),
        Value = new Quantity(value, unit, "http://unitsofmeasure.org"),
    };

    /// <summary>The consents a patient in each state holds (recorded by the custodian, as a paper consent would be).</summary>
    private static IEnumerable<Hl7.Fhir.Model.Consent> ConsentsFor(ConsentState state, string patientId)
    {
        switch (state)
        {
            case ConsentState.None:
                yield break;
            case ConsentState.Deny or ConsentState.BreakGlass:
                yield return Privacy(patientId, Hl7.Fhir.Model.Consent.ConsentProvisionType.Deny, Clinician, Hl7.Fhir.Model.Consent.ConsentState.Active, null);
                yield return Research(patientId, Hl7.Fhir.Model.Consent.ConsentProvisionType.Deny, Hl7.Fhir.Model.Consent.ConsentState.Active, null);
                break;
            default:
                var status = state == ConsentState.Revoked ? Hl7.Fhir.Model.Consent.ConsentState.Inactive : Hl7.Fhir.Model.Consent.ConsentState.Active;
                var period = state == ConsentState.Expired ? new Period { Start = "2020-01-01", End = "2021-01-01" } : null;
                yield return Privacy(patientId, Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit, Clinician, status, period);
                yield return Research(patientId, Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit, status, period);
                break;
        }
    }

    /// <summary>A consent that changes nothing for the matrix's callers: it permits someone who never asks.</summary>
    private static Hl7.Fhir.Model.Consent NobodysConsent(string patientId, string? id)
    {
        var consent = Privacy(patientId, Hl7.Fhir.Model.Consent.ConsentProvisionType.Permit, Nobody,
            id is null ? Hl7.Fhir.Model.Consent.ConsentState.Active : Hl7.Fhir.Model.Consent.ConsentState.Inactive, null);
        consent.Id = id;
        return consent;
    }

    private static Hl7.Fhir.Model.Consent Privacy(string patientId, Hl7.Fhir.Model.Consent.ConsentProvisionType type, string actor,
        Hl7.Fhir.Model.Consent.ConsentState status, Period? period) =>
        Consent(patientId, "patient-privacy", "59284-0", type, actor, "TREAT", status, period);

    private static Hl7.Fhir.Model.Consent Research(string patientId, Hl7.Fhir.Model.Consent.ConsentProvisionType type,
        Hl7.Fhir.Model.Consent.ConsentState status, Period? period) =>
        Consent(patientId, "research", "57016-8", type, Researcher, "HRESCH", status, period);

    private static Hl7.Fhir.Model.Consent Consent(string patientId, string scope, string loinc, Hl7.Fhir.Model.Consent.ConsentProvisionType type,
        string actor, string purpose, Hl7.Fhir.Model.Consent.ConsentState status, Period? period) => new()
    {
        Status = status,
        Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", scope),
        Category = [new CodeableConcept("http://loinc.org", loinc)],
        Patient = new ResourceReference($"Patient/{patientId}"),
        DateTime = "2026-11-01",
        Policy = [new Hl7.Fhir.Model.Consent.PolicyComponent { Uri = "https://careledger.org/policy/matrix" }],
        Provision = new Hl7.Fhir.Model.Consent.provisionComponent
        {
            Type = type,
            Period = period,
            Actor =
            [
                new Hl7.Fhir.Model.Consent.provisionActorComponent
                {
                    Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP"),
                    Reference = new ResourceReference(actor),
                },
            ],
            Purpose = [new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", purpose)],
        },
    };

    public async Task DisposeAsync()
    {
        http?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (node is not null)
        {
            await node.DisposeAsync();
        }
    }

    public void Dispose() => directory.Dispose();
}
