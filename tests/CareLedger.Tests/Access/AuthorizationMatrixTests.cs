using System.Net;
using System.Net.Http.Headers;
using CareLedger.Access.Audit;
using CareLedger.Access.Credentials;
using CareLedger.Access.Delegation;
using CareLedger.Consent.Requests;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Identity;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Access;

/// <summary>
/// The authorisation matrix of issue 4, over real HTTP with real tokens: every interaction × every role × every consent
/// state, generated from ONE table (<see cref="Roles"/>), so that nothing is forgotten. Each consent state has its own
/// patient; the expected outcome of a cell is derived from the table, never written by hand per cell.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.World world) : IClassFixture<AuthorizationMatrixTests.World>
{
    public enum ConsentState { None, Permit, Deny, Revoked, Expired }

    public enum Role { System, PatientSelf, OtherPatient, Clinician, UncredentialedClinician, BreakGlassClinician, Guardian, Researcher, PrivacyOfficer, BoardOfficer, Operator }

    public enum Interaction { Read, VRead, Search, History, Create }

    public enum Expect { Disclosed, Withheld, Refused, Written }

    /// <summary>When a role's reads of a patient's Observation are disclosed.</summary>
    public enum ReadRule { Always, IfConsentPermits, Never }

    /// <summary>
    /// THE table. <c>ScopeCoversReads</c>: the role's SMART scopes allow reading Observations at all (else every read is a
    /// 403 naming the scope). <c>Reads</c>: what consent, delegation, credential and break-glass make of it.
    /// <c>MayRecordCare</c>: may create an Observation in the patient's record.
    /// </summary>
    public static readonly (Role Role, bool ScopeCoversReads, ReadRule Reads, bool MayRecordCare)[] Roles =
    [
        (Role.System, true, ReadRule.Always, true),                     // the custodian's own service
        (Role.PatientSelf, true, ReadRule.Always, false),               // their own record; patient scopes do not create Observations
        (Role.OtherPatient, true, ReadRule.Never, false),               // someone else's record
        (Role.Clinician, true, ReadRule.IfConsentPermits, true),        // credentialed: consent decides reads; recording care is allowed
        (Role.UncredentialedClinician, true, ReadRule.Never, false),    // no valid credential: nothing, not even writes
        (Role.BreakGlassClinician, true, ReadRule.Always, true),        // ETREAT with reason and expiry overrides a deny (flagged)
        (Role.Guardian, true, ReadRule.Always, false),                  // a court-ordered guardian with an unrestricted delegation
        (Role.Researcher, true, ReadRule.IfConsentPermits, false),      // HRESCH under a research consent
        (Role.PrivacyOfficer, false, ReadRule.Never, false),            // sees the audit, not the data
        (Role.BoardOfficer, false, ReadRule.Never, false),
        (Role.Operator, false, ReadRule.Never, false),
    ];

    public static TheoryData<Role, ConsentState, Interaction> Cells()
    {
        var data = new TheoryData<Role, ConsentState, Interaction>();
        foreach (var (role, _, _, _) in Roles)
        {
            foreach (var state in Enum.GetValues<ConsentState>())
            {
                foreach (var interaction in Enum.GetValues<Interaction>())
                {
                    data.Add(role, state, interaction);
                }
            }
        }

        return data;
    }

    public static Expect Expected(Role role, ConsentState state, Interaction interaction)
    {
        var (_, scopeCoversReads, reads, mayRecordCare) = Roles.Single(r => r.Role == role);
        if (interaction == Interaction.Create)
        {
            return mayRecordCare ? Expect.Written : Expect.Refused;
        }

        if (!scopeCoversReads)
        {
            return Expect.Refused;
        }

        var disclosed = reads switch
        {
            ReadRule.Always => true,
            ReadRule.IfConsentPermits => state == ConsentState.Permit,
            _ => false,
        };
        return disclosed ? Expect.Disclosed : interaction is Interaction.Search or Interaction.History ? Expect.Withheld : Expect.Refused;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Each_role_gets_what_the_table_says_for_each_consent_state(Role role, ConsentState state, Interaction interaction)
    {
        var patient = world.Patients[state];
        using var request = world.Request(role, state, interaction, patient);

        using var response = await world.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        var expected = Expected(role, state, interaction);
        var actual = Classify(response.StatusCode, body);
        Assert.True(expected == actual, $"{role} × {state} × {interaction}: expected {expected}, got {actual} ({(int)response.StatusCode}) {body[..Math.Min(body.Length, 600)]}");
        if (actual == Expect.Refused)
        {
            Assert.Contains("OperationOutcome", body, StringComparison.Ordinal);
            Assert.DoesNotContain(World.Marker, body, StringComparison.Ordinal);
        }

        if (actual == Expect.Withheld && interaction == Interaction.Search)
        {
            // A searchset says that consent withheld matches (never which); a history simply lists fewer versions.
            Assert.Contains("withheld", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_decision_of_the_matrix_roles_is_in_the_audit_trail_with_its_outcome()
    {
        // One read and one refused read per role that has a subject of its own, then the trail is settled and searched.
        foreach (var role in new[] { Role.Clinician, Role.UncredentialedClinician, Role.Researcher })
        {
            var before = world.Audit(role);
            using var permitted = world.Request(role, ConsentState.Permit, Interaction.Read, world.Patients[ConsentState.Permit]);
            using var refused = world.Request(role, ConsentState.None, Interaction.Read, world.Patients[ConsentState.None]);
            using var first = await world.Client.SendAsync(permitted);
            using var second = await world.Client.SendAsync(refused);
            await world.Node.SettleAuditAsync();
            var after = world.Audit(role);

            // Newest first: the refused read, then the permitted one.
            var added = after.Take(after.Count - before.Count).Select(e => e.Record.Outcome).ToList();
            Assert.Equal(2, added.Count);
            Assert.Contains(AuditOutcome.Deny, added);
            Assert.Equal(first.IsSuccessStatusCode ? AuditOutcome.Permit : AuditOutcome.Deny, added[^1]);
            Assert.All(after, e => Assert.True(e.IsAnchored, "every record ends anchored on the ledger"));
        }
    }

    private static Expect Classify(HttpStatusCode status, string body) => status switch
    {
        HttpStatusCode.Created => Expect.Written,
        HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized => Expect.Refused,
        HttpStatusCode.OK when body.Contains(World.Marker, StringComparison.Ordinal) => Expect.Disclosed,
        HttpStatusCode.OK => Expect.Withheld,
        _ => throw new InvalidOperationException($"unexpected status {(int)status}: {body}"),
    };

    public sealed record MatrixPatient(string PatientId, string ObservationId);

    /// <summary>One node, one patient per consent state, one token per role (each minted with the node's own key).</summary>
    public sealed class World : IAsyncLifetime
    {
        /// <summary>A text only the patients' Observations carry: seeing it in a body means a record was disclosed.</summary>
        public const string Marker = "matrix-marker-3f1e";

        private const string Organisation = "Test Hospital";
        private const string Clinician = "Practitioner/matrix-dr";
        private const string UncredentialedClinician = "Practitioner/matrix-nocred";
        private const string Researcher = "Practitioner/matrix-researcher";
        private const string Guardian = "RelatedPerson/matrix-guardian";

        /// <summary>The subjects of the roles whose tokens do not depend on the patient (the audit test looks them up).</summary>
        private static readonly Dictionary<Role, string> Subjects = new()
        {
            [Role.Clinician] = "matrix-clinician",
            [Role.BreakGlassClinician] = "matrix-break-glass",
            [Role.UncredentialedClinician] = "matrix-nocred",
            [Role.Researcher] = "matrix-researcher",
        };

        internal FhirTestNode Node { get; private set; } = null!;

        public HttpClient Client { get; private set; } = null!;

        public Dictionary<ConsentState, MatrixPatient> Patients { get; } = [];

        private string otherPatient = null!;

        public async Task InitializeAsync()
        {
            Node = await FhirTestNode.StartAsync(http: true);
            Client = Node.AnonymousClient();
            var service = Node.Service;
            foreach (var practitioner in new[] { Clinician, Researcher })
            {
                var id = practitioner["Practitioner/".Length..];
                await service.UpdateAsync(FhirTestNode.System, "Practitioner", id, new Practitioner { Id = id, Active = true }, null, CancellationToken.None);
            }

            foreach (var state in Enum.GetValues<ConsentState>())
            {
                var patient = (await service.CreateAsync(FhirTestNode.System, new Patient { Gender = AdministrativeGender.Female, BirthDate = "1980-02-03" }, null, CancellationToken.None)).Id;
                var observation = (await service.CreateAsync(FhirTestNode.System, Observation(patient), null, CancellationToken.None)).Id;
                Patients[state] = new MatrixPatient(patient, observation);
                foreach (var consent in ConsentsFor(state, patient))
                {
                    await service.CreateAsync(FhirTestNode.System, consent, null, CancellationToken.None);
                }

                var pseudonym = Node.Node.Gate.PseudonymOf(patient)!;
                await Node.Node.Delegations.GrantAsync(pseudonym, Guardian, DelegateKind.Guardian, new DelegationScope(), DelegationSource.CourtOrder, Node.Ledger.Keys.Node);
            }

            otherPatient = (await service.CreateAsync(FhirTestNode.System, new Patient { Gender = AdministrativeGender.Male }, null, CancellationToken.None)).Id;
            var board = await Node.Node.Credentials.EnsureIssuerKeyAsync("Matrix board", CancellationToken.None);
            await Node.Node.Credentials.IssueAsync(board, Clinician, new PractitionerLicence("MD-1", "internal medicine"), DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);
        }

        public Task DisposeAsync() => Node.DisposeAsync().AsTask();

        public IReadOnlyList<AuditEntry> Audit(Role role) =>
            Node.Node.Audit.Query(new AuditQuery { AccessorSubject = Subjects[role], Limit = AuditQuery.MaxLimit });

        public HttpRequestMessage Request(Role role, ConsentState state, Interaction interaction, MatrixPatient patient)
        {
            var request = interaction switch
            {
                Interaction.Read => new HttpRequestMessage(HttpMethod.Get, $"Observation/{patient.ObservationId}"),
                Interaction.VRead => new HttpRequestMessage(HttpMethod.Get, $"Observation/{patient.ObservationId}/_history/1"),
                Interaction.Search => new HttpRequestMessage(HttpMethod.Get, $"Observation?subject=Patient/{patient.PatientId}"),
                Interaction.History => new HttpRequestMessage(HttpMethod.Get, $"Observation/{patient.ObservationId}/_history"),
                _ => new HttpRequestMessage(HttpMethod.Post, "Observation") { Content = FhirTestNode.Json(Observation(patient.PatientId)) },
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(role, patient.PatientId));
            if (role == Role.BreakGlassClinician)
            {
                request.Headers.Add("CareLedger-Break-Glass-Reason", "unconscious in the emergency department");
                request.Headers.Add("CareLedger-Break-Glass-Until", DateTimeOffset.UtcNow.AddMinutes(30).ToString("O"));
            }

            if (role == Role.Researcher)
            {
                request.Headers.Add("CareLedger-Purpose-Of-Use", "HRESCH");
            }

            return request;
        }

        private string Token(Role role, string patientId)
        {
            var key = TokenMinter.NodeKey(Node.DataDirectory);
            string Mint(string subject, string roleName, string scope, string? fhirUser = null, string? patient = null) =>
                TokenMinter.MintFor(key, "http://localhost/", "http://localhost/fhir", subject, roleName, scope, fhirUser, patient, Organisation);

            return role switch
            {
                Role.System => Mint("matrix-system", "system", "system/*.cruds"),
                Role.PatientSelf => Mint($"matrix-patient-{patientId}", "patient", "launch/patient patient/*.rs patient/Consent.cruds", $"Patient/{patientId}", patientId),
                Role.OtherPatient => Mint("matrix-other-patient", "patient", "launch/patient patient/*.rs patient/Consent.cruds", $"Patient/{otherPatient}", otherPatient),
                Role.Clinician or Role.BreakGlassClinician => Mint(Subjects[role], "clinician", "user/*.cruds", Clinician),
                Role.UncredentialedClinician => Mint(Subjects[role], "clinician", "user/*.cruds", UncredentialedClinician),
                Role.Guardian => Mint("matrix-guardian", "guardian", "launch/patient patient/*.rs patient/Consent.cruds", Guardian, patientId),
                Role.Researcher => Mint(Subjects[role], "researcher", "user/*.rs", Researcher),
                Role.PrivacyOfficer => Mint("matrix-privacy", "privacy-officer", "user/AuditEvent.rs user/Consent.rs user/Provenance.rs"),
                Role.BoardOfficer => Mint("matrix-board", "board-officer", "user/Practitioner.cruds user/PractitionerRole.cruds user/Organization.rs"),
                _ => Mint("matrix-operator", "operator", "user/Organization.cruds user/Endpoint.cruds"),
            };
        }

        private static Observation Observation(string patientId) => new()
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
            Subject = new ResourceReference($"Patient/{patientId}"),
            Effective = new FhirDateTime("2026-11-20T10:00:00Z"),
            Value = new Quantity(72, "/min", "http://unitsofmeasure.org"),
            Note = [new Annotation { Text = new Markdown(Marker) }],
        };

        /// <summary>The consents a patient in each state holds (recorded by the custodian, as a paper consent would be).</summary>
        private static IEnumerable<Hl7.Fhir.Model.Consent> ConsentsFor(ConsentState state, string patientId)
        {
            switch (state)
            {
                case ConsentState.None:
                    yield break;
                case ConsentState.Deny:
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
            Policy = [new Hl7.Fhir.Model.Consent.PolicyComponent { Uri = "https://careledger.org/policy/demo" }],
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
    }
}
