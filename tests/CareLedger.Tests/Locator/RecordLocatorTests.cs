using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CareLedger.Access.Audit;
using CareLedger.Access.Credentials;
using CareLedger.Access.Gate;
using CareLedger.Fhir.Validation;
using CareLedger.Ledger.Locator;
using CareLedger.Ledger.Transactions;
using CareLedger.Locator;
using CareLedger.Tests.Consortium;
using CareLedger.Tests.Identity;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using FhirConsent = Hl7.Fhir.Model.Consent;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Locator;

/// <summary>The two members every record-locator test shares (starting a consortium costs seconds).</summary>
public sealed class LocatorNetworkFixture : IAsyncLifetime
{
    internal TwoMemberNetwork Network { get; private set; } = null!;

    public async Task InitializeAsync() => Network = await TwoMemberNetwork.StartAsync();

    public async Task DisposeAsync() => await Network.DisposeAsync();
}

/// <summary>
/// Records across institutions (F3): a clinician at member B fetches, through B's API, a patient's records held at member
/// A — found in the ledger's record locator, disclosed by A's door under the patient's consent over real HTTP between two
/// members of one consortium — and both members audit the disclosure and the refusals.
/// </summary>
[Collection(ConsortiumProcesses.Name)]
public sealed class RecordLocatorTests(LocatorNetworkFixture fixture) : IClassFixture<LocatorNetworkFixture>
{
    private const int A = 0;
    private const int B = 1;
    private static readonly TimeSpan Announced = TimeSpan.FromSeconds(60);

    private TwoMemberNetwork Net => fixture.Network;

    [Fact]
    public async Task A_record_at_member_A_is_readable_at_member_B_only_while_the_patient_consents_and_both_members_audit_it()
    {
        var ct = CancellationToken.None;
        const string Ssn = "999-41-2207";
        var patientId = await CreatePatientAtAAsync(Ssn, "Lovelace", "Ada");
        await Net[A].Fhir.CreateAsync(Net.Custodian(A), new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Subject = new ResourceReference($"Patient/{patientId}"),
            Value = new Quantity(72, "/min"),
        }, null, ct);

        // A clinician of member B with a licence from B's board (its status on the shared ledger).
        const string Practitioner = "Practitioner/locator-dr-b";
        await Net.LicenceAsync(B, Practitioner, "MD-B-17");
        using var clinician = ClinicianAtB("locator-dr-b-account", Practitioner);
        await WaitUntilLocatedAtBAsync(Ssn);

        // No consent (opt-in): A refuses, B answers 403 and nothing of the record.
        using var before = await FetchAsync(clinician, Ssn);
        var refusal = await before.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        Assert.True(refusal.Contains($"member {Net[A].Ledger.MemberName} ({Net[A].Config.OrganisationName}) answered 403", StringComparison.Ordinal), refusal);
        Assert.True(refusal.Contains("consent", StringComparison.Ordinal), refusal);
        Assert.DoesNotContain("8867-4", refusal, StringComparison.Ordinal);

        // The patient grants (their Consent at A, the custodian of their records): B's clinician reads A's records. The
        // consent names the practitioner as the network's licensing boards do (Practitioner/<id>), which A's directory holds.
        await Net[A].Fhir.UpdateAsync(Net.Custodian(A), "Practitioner", "locator-dr-b", new Practitioner { Id = "locator-dr-b" }, null, ct);
        var consent = TwoMemberNetwork.ConsentFor(patientId, Practitioner, FhirConsent.ConsentState.Active);
        var consentId = (await Net[A].Fhir.CreateAsync(Net.Custodian(A), consent, null, ct)).Id;
        using var granted = await FetchAsync(clinician, Ssn);
        var body = await granted.Content.ReadAsStringAsync();
        Assert.True(granted.StatusCode == HttpStatusCode.OK, body);
        var bundle = (Bundle)FhirSerialization.ParseJson(Encoding.UTF8.GetBytes(body));
        var observation = Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<Observation>());
        Assert.Equal("8867-4", observation.Code.Coding[0].Code);
        Assert.Contains(bundle.Entry, e => e.Resource is Patient p && p.Id == patientId);
        Assert.All(bundle.Entry, e => Assert.StartsWith(Net.Url(A) + "/fhir/", e.FullUrl, StringComparison.Ordinal));

        // The patient revokes: the very next request is refused.
        consent.Id = consentId;
        consent.Status = FhirConsent.ConsentState.Inactive;
        await Net[A].Fhir.UpdateAsync(Net.Custodian(A), "Consent", consentId, consent, null, ct);
        using var after = await FetchAsync(clinician, Ssn);
        var afterBody = await after.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.DoesNotContain("8867-4", afterBody, StringComparison.Ordinal);

        // Both members audited each exchange, in order: refused, disclosed, refused — anchored on the ledger.
        await Net[A].Audit.FlushAsync(ct);
        await Net[B].Audit.FlushAsync(ct);
        var memberB = Net[B].Ledger.MemberName!;
        var atA = Net[A].Audit.Query(new AuditQuery { AccessorSubject = $"{memberB}/locator-dr-b-account", Limit = 10 }).OrderBy(e => e.Record.Time).ToList();
        Assert.Equal([AuditOutcome.Deny, AuditOutcome.Permit, AuditOutcome.Deny], atA.Select(e => e.Record.Outcome));
        Assert.All(atA, e =>
        {
            Assert.Equal(AccessAction.Disclose, e.Record.Action);
            Assert.Equal(Practitioner, e.Record.AccessorReference);
            Assert.Equal(Net[B].Config.OrganisationName, e.Record.Organisation);
            Assert.True(e.IsAnchored);
        });
        Assert.True(atA[1].Record.Disclosed >= 2, $"A disclosed {atA[1].Record.Disclosed} records");
        // Each refusal is recorded once, as the door's decision for the clinician, not again for B's node.
        Assert.Empty(Net[A].Audit.Query(new AuditQuery { AccessorSubject = memberB, Limit = 10 }));
        var atB = Net[B].Audit.Query(new AuditQuery { AccessorSubject = "locator-dr-b-account", Limit = 10 }).OrderBy(e => e.Record.Time).ToList();
        Assert.Equal([AuditOutcome.Deny, AuditOutcome.Permit, AuditOutcome.Deny], atB.Select(e => e.Record.Outcome));
        Assert.All(atB, e =>
        {
            Assert.Equal(AccessAction.Disclose, e.Record.Action);
            Assert.Equal($"records received from member {Net[A].Ledger.MemberName}", e.Record.Detail);
            Assert.True(e.IsAnchored);
        });
        Assert.Equal(atA[1].Record.Disclosed, atB[1].Record.Disclosed);
    }

    [Fact]
    public async Task A_disclosure_larger_than_a_page_is_fetched_whole_page_by_page_each_page_decided_and_audited_at_A()
    {
        var ct = CancellationToken.None;
        const string Ssn = "999-41-2208";
        const int Observations = 7;
        var patientId = await CreatePatientAtAAsync(Ssn, "Somerville", "Mary");
        for (var i = 0; i < Observations; i++)
        {
            await Net[A].Fhir.CreateAsync(Net.Custodian(A), ObservationOf(patientId, "8867-4", 60 + i, "/min"), null, ct);
        }

        const string Practitioner = "Practitioner/locator-dr-pages";
        await Net.LicenceAsync(B, Practitioner, "MD-B-18");
        await Net[A].Fhir.UpdateAsync(Net.Custodian(A), "Practitioner", "locator-dr-pages", new Practitioner { Id = "locator-dr-pages" }, null, ct);
        await Net[A].Fhir.CreateAsync(Net.Custodian(A), TwoMemberNetwork.ConsentFor(patientId, Practitioner, FhirConsent.ConsentState.Active), null, ct);
        using var clinician = ClinicianAtB("locator-dr-pages-account", Practitioner);
        await WaitUntilLocatedAtBAsync(Ssn);

        // Pages of 3 (A gives up to 1,000): the patient, her consent and seven observations take several pages, which end
        // inside a type or on its last record; the last full page links no empty one.
        var links = Net.Services(B).GetRequiredService<MemberLinks>();
        links.PageSize = 3;
        string body;
        try
        {
            using var response = await FetchAsync(clinician, Ssn);
            body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        }
        finally
        {
            links.PageSize = DisclosurePage.MaxSize;
        }

        var bundle = (Bundle)FhirSerialization.ParseJson(Encoding.UTF8.GetBytes(body));
        var observations = bundle.Entry.Select(e => e.Resource).OfType<Observation>().ToList();
        Assert.Equal(Observations, observations.Select(o => o.Id).Distinct().Count());
        Assert.Equal(Observations, observations.Count);
        Assert.Equal(Enumerable.Range(60, Observations).Select(v => (decimal)v), observations.Select(o => ((Quantity)o.Value!).Value!.Value).Order());
        Assert.Single(bundle.Entry, e => e.Resource is Patient p && p.Id == patientId);
        Assert.Equal(bundle.Entry.Count, bundle.Entry.Select(e => e.FullUrl).Distinct().Count());

        // A decided and audited each page; B audited the whole as one receipt of as many records.
        await Net[A].Audit.FlushAsync(ct);
        await Net[B].Audit.FlushAsync(ct);
        var memberB = Net[B].Ledger.MemberName!;
        var pages = Net[A].Audit.Query(new AuditQuery { AccessorSubject = $"{memberB}/locator-dr-pages-account", Limit = 20 });
        Assert.Equal((bundle.Entry.Count + 2) / 3, pages.Count);
        Assert.All(pages, e => Assert.Equal(AuditOutcome.Permit, e.Record.Outcome));
        Assert.All(pages, e => Assert.InRange(e.Record.Disclosed, 1, 3));
        Assert.Equal(bundle.Entry.Count, pages.Sum(e => e.Record.Disclosed));
        var receipt = Assert.Single(Net[B].Audit.Query(new AuditQuery { AccessorSubject = "locator-dr-pages-account", Limit = 10 }));
        Assert.Equal(bundle.Entry.Count, receipt.Record.Disclosed);
    }

    [Fact]
    public async Task A_patient_fetches_their_own_records_from_member_A_without_a_grant_but_no_one_elses_and_both_members_audit_it()
    {
        var ct = CancellationToken.None;
        const string Ssn = "999-61-3301";
        const string OtherSsn = "999-61-3302";
        var ownAtA = await CreatePatientAtAAsync(Ssn, "Hopper", "Grace");
        await Net[A].Fhir.CreateAsync(Net.Custodian(A), ObservationOf(ownAtA, "2339-0", 101, "mg/dL"), null, ct);
        var otherAtA = await CreatePatientAtAAsync(OtherSsn, "Turing", "Alan");
        await Net[A].Fhir.CreateAsync(Net.Custodian(A), ObservationOf(otherAtA, "2085-9", 55, "mg/dL"), null, ct);
        // The patient's own record at B carries the same network identifier; she signs in at B.
        var ownAtB = (await Net[B].Fhir.CreateAsync(Net.Custodian(B), new Patient
        {
            Identifier = [new Identifier(TwoMemberNetwork.IdentifierSystem, Ssn)],
            Name = [new HumanName { Family = "Hopper", Given = ["Grace"] }],
            BirthDate = "1966-12-09",
        }, null, ct)).Id;
        await WaitUntilLocatedAtBAsync(Ssn);
        await WaitUntilLocatedAtBAsync(OtherSsn);
        using var patient = PatientAtB("grace-account", ownAtB);

        // No consent at A names anyone: the patient is always allowed her own records, and only hers.
        using var own = await FetchOwnAsync(patient, identifier: null);
        var body = await own.Content.ReadAsStringAsync();
        Assert.True(own.StatusCode == HttpStatusCode.OK, body);
        var bundle = (Bundle)FhirSerialization.ParseJson(Encoding.UTF8.GetBytes(body));
        var observation = Assert.Single(bundle.Entry.Select(e => e.Resource).OfType<Observation>());
        Assert.Equal("2339-0", observation.Code.Coding[0].Code);
        Assert.Contains(bundle.Entry, e => e.Resource is Patient p && p.Id == ownAtA);
        Assert.All(bundle.Entry, e => Assert.StartsWith(Net.Url(A) + "/fhir/", e.FullUrl, StringComparison.Ordinal));
        Assert.DoesNotContain("2085-9", body, StringComparison.Ordinal);

        // Naming another patient's identifier is refused at B, and nothing of theirs is asked for or returned.
        using var other = await FetchOwnAsync(patient, OtherSsn);
        var otherBody = await other.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("only their own records", otherBody, StringComparison.Ordinal);
        Assert.DoesNotContain("2085-9", otherBody, StringComparison.Ordinal);

        await Net[A].Audit.FlushAsync(ct);
        await Net[B].Audit.FlushAsync(ct);
        var memberB = Net[B].Ledger.MemberName!;
        // A audited one disclosure to the patient herself (purpose PATRQT), in her own access log at A.
        var disclosed = Assert.Single(Net[A].Audit.Query(new AuditQuery { AccessorSubject = $"{memberB}/grace-account", Limit = 10 }));
        Assert.Equal(AuditOutcome.Permit, disclosed.Record.Outcome);
        Assert.Equal(AccessAction.Disclose, disclosed.Record.Action);
        Assert.Equal(CareLedgerRole.Patient, disclosed.Record.AccessorRole);
        Assert.Equal("PATRQT", disclosed.Record.Purpose);
        Assert.Equal(Net[B].Config.OrganisationName, disclosed.Record.Organisation);
        Assert.Contains("the patient's own request", disclosed.Record.Detail, StringComparison.Ordinal);
        Assert.True(disclosed.Record.Disclosed >= 2, $"A disclosed {disclosed.Record.Disclosed} records");
        Assert.True(disclosed.IsAnchored);
        Assert.Contains(Net[A].Audit.Query(new AuditQuery { Patient = Net[A].Gate.PseudonymOf(ownAtA), Limit = AuditQuery.MaxLimit }),
            e => e.Record.Id == disclosed.Record.Id);
        Assert.DoesNotContain(Net[A].Audit.Query(new AuditQuery { Patient = Net[A].Gate.PseudonymOf(otherAtA), Limit = AuditQuery.MaxLimit }),
            e => e.Record.AccessorSubject.EndsWith("/grace-account", StringComparison.Ordinal));
        // B audited what it received for her, then her refused request.
        var atB = Net[B].Audit.Query(new AuditQuery { AccessorSubject = "grace-account", Action = AccessAction.Disclose, Limit = 10 }).OrderBy(e => e.Record.Time).ToList();
        Assert.Equal([AuditOutcome.Permit, AuditOutcome.Deny], atB.Select(e => e.Record.Outcome));
        Assert.Equal($"records received from member {Net[A].Ledger.MemberName}", atB[0].Record.Detail);
        Assert.Equal(disclosed.Record.Disclosed, atB[0].Record.Disclosed);
        Assert.Equal("PATRQT", atB[0].Record.Purpose);
        Assert.All(atB, e => Assert.True(e.IsAnchored));
    }

    [Fact]
    public async Task An_erased_patients_entry_is_retracted_on_the_ledger_so_other_members_stop_asking_until_they_are_held_again()
    {
        var ct = CancellationToken.None;
        const string Ssn = "999-41-2209";
        var patientId = await CreatePatientAtAAsync(Ssn, "Franklin", "Rosalind");
        await WaitUntilLocatedAtBAsync(Ssn);
        var pseudonym = Net[A].Locator!.PseudonymOf(Ssn);
        var from = Net[A].Ledger.Size;

        // GDPR Art. 17 at A: A forgets the patient at once, and its entry is withdrawn from the locator B reads.
        await Net[A].ErasePatientAsync(patientId, ct);
        Assert.Null(Net[A].Locator!.LocalPatient(pseudonym));
        var deadline = DateTime.UtcNow + Announced;
        while (Net[B].Locator!.Locate(pseudonym).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "member A's retraction did not reach member B");
            await Task.Delay(100);
        }

        // By a transaction signed with A's node key that names the pseudonym and nothing else; the announcement stays in
        // the ledger's history.
        var ledger = Net[B].Ledger;
        var anchors = Enumerable.Range(0, (int)ledger.Size).Select(i => (Leaf: (long)i, Tx: ledger.ReadTransaction(i)))
            .Where(t => t.Tx.Transaction.Type == TxType.Anchor).ToList();
        var retraction = Assert.Single(anchors, t => t.Leaf >= from && LocatorRetraction.FromAnchor(AnchorPayload.Decode(t.Tx.Transaction.Payload.Span)) is { } r
            && r.Patients.Any(p => p.AsSpan().SequenceEqual(pseudonym)));
        Assert.Equal(Net[A].Ledger.Keys.Node.Id, retraction.Tx.Transaction.Author);
        Assert.Equal([pseudonym], LocatorRetraction.FromAnchor(AnchorPayload.Decode(retraction.Tx.Transaction.Payload.Span))!.Patients);
        foreach (var value in new[] { Ssn, "Franklin", "Rosalind", patientId })
        {
            Assert.True(retraction.Tx.Encoded.Span.IndexOf(Encoding.UTF8.GetBytes(value)) < 0, $"the retraction carries '{value}'");
        }

        Assert.Contains(anchors, t => t.Leaf < from && LocatorAnnouncement.FromAnchor(AnchorPayload.Decode(t.Tx.Transaction.Payload.Span)) is { } a
            && a.Patients.Any(p => p.AsSpan().SequenceEqual(pseudonym)));

        // B's clinician is told no other member holds records of the patient: A is not asked.
        using var clinician = ClinicianAtB("locator-dr-erased-account", "Practitioner/locator-dr-erased");
        using var response = await FetchAsync(clinician, Ssn);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, body);
        Assert.Contains("names no other member", body, StringComparison.Ordinal);

        // Records of the same person written at A again (a new registration) announce A again.
        await CreatePatientAtAAsync(Ssn, "Franklin", "Rosalind");
        await WaitUntilLocatedAtBAsync(Ssn);
    }

    [Fact]
    public async Task The_record_locator_on_the_ledger_carries_no_personal_data()
    {
        var patients = new[] { ("999-52-0001", "Kreiger", "Clemente"), ("999-52-0002", "Wiegand", "Luigi"), ("999-52-0003", "Hintz", "Ned") };
        var ids = new List<string>();
        foreach (var (ssn, family, given) in patients)
        {
            ids.Add(await CreatePatientAtAAsync(ssn, family, given));
        }

        foreach (var (ssn, _, _) in patients)
        {
            await WaitUntilLocatedAtBAsync(ssn);
        }

        // Every transaction on B's ledger (the shared log), and B's log files on disk, hold none of the patients' personal data.
        var ledger = Net[B].Ledger;
        var transactions = Enumerable.Range(0, (int)ledger.Size).Select(i => ledger.ReadTransaction(i)).ToList();
        var announced = transactions
            .Where(t => t.Transaction.Type == TxType.Anchor)
            .Select(t => LocatorAnnouncement.FromAnchor(AnchorPayload.Decode(t.Transaction.Payload.Span)))
            .OfType<LocatorAnnouncement>()
            .SelectMany(a => a.Patients)
            .Select(Convert.ToHexString)
            .ToHashSet();
        var logBytes = Directory.EnumerateFiles(Path.Combine(Net.DataDirectory(B), "log"), "*.seg", SearchOption.AllDirectories).Select(File.ReadAllBytes).ToList();
        for (var i = 0; i < patients.Length; i++)
        {
            var (ssn, family, given) = patients[i];
            foreach (var value in new[] { ssn, ssn.Replace("-", "", StringComparison.Ordinal), family, given, ids[i] })
            {
                var utf8 = Encoding.UTF8.GetBytes(value);
                Assert.DoesNotContain(transactions, t => t.Encoded.Span.IndexOf(utf8) >= 0);
                Assert.DoesNotContain(logBytes, file => file.AsSpan().IndexOf(utf8) >= 0);
            }

            // What the locator holds is the keyed pseudonym, not a hash anyone could compute from the identifier.
            var pseudonym = Net[B].Locator!.PseudonymOf(ssn);
            Assert.Contains(Convert.ToHexString(pseudonym), announced);
            Assert.DoesNotContain(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ssn))), announced);
            Assert.DoesNotContain(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{TwoMemberNetwork.IdentifierSystem}|{ssn}"))), announced);
        }
    }

    private async Task<string> CreatePatientAtAAsync(string ssn, string family, string given)
    {
        var patient = new Patient
        {
            Identifier = [new Identifier(TwoMemberNetwork.IdentifierSystem, ssn), new Identifier("urn:oid:2.16.840.1.113883.4.3.25", "MRN-" + family)],
            Name = [new HumanName { Family = family, Given = [given] }],
            BirthDate = "1970-01-01",
        };
        return (await Net[A].Fhir.CreateAsync(Net.Custodian(A), patient, null, CancellationToken.None)).Id;
    }

    /// <summary>A's announcement of the patient reaches B's copy of the ledger (committed by both members).</summary>
    private async Task WaitUntilLocatedAtBAsync(string ssn)
    {
        var locator = Net[B].Locator!;
        var pseudonym = locator.PseudonymOf(ssn);
        var deadline = DateTime.UtcNow + Announced;
        while (locator.Locate(pseudonym).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "member A's locator entry did not reach member B");
            await Task.Delay(100);
        }
    }

    /// <summary>A clinician's access token from member B's authorisation server (signed with B's key).</summary>
    private HttpClient ClinicianAtB(string account, string practitioner)
    {
        var url = Net.Url(B);
        var token = TokenMinter.MintFor(TokenMinter.NodeKey(Net.DataDirectory(B)), url + "/", url + "/fhir", account, "clinician", "user/*.rs",
            practitioner, null, Net[B].Config.OrganisationName);
        var http = new HttpClient { BaseAddress = new Uri(url + "/fhir/"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A patient's access token from member B's authorisation server.</summary>
    private HttpClient PatientAtB(string account, string patientId)
    {
        var url = Net.Url(B);
        var token = TokenMinter.MintFor(TokenMinter.NodeKey(Net.DataDirectory(B)), url + "/", url + "/fhir", account, "patient", "patient/*.rs",
            $"Patient/{patientId}", patientId, Net[B].Config.OrganisationName);
        var http = new HttpClient { BaseAddress = new Uri(url + "/fhir/"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static Task<HttpResponseMessage> FetchOwnAsync(HttpClient patient, string? identifier)
    {
        if (identifier is null)
        {
            return patient.PostAsync("Patient/$fetch-remote", new StringContent(string.Empty));
        }

        var parameters = new Parameters();
        parameters.Add("identifier", new Identifier(TwoMemberNetwork.IdentifierSystem, identifier));
        return patient.PostAsync("Patient/$fetch-remote", new StringContent(FhirSerialization.ToJson(parameters), Encoding.UTF8, "application/fhir+json"));
    }

    private static Observation ObservationOf(string patientId, string loinc, decimal value, string unit) => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", loinc),
        Subject = new ResourceReference($"Patient/{patientId}"),
        Value = new Quantity(value, unit),
    };

    private static Task<HttpResponseMessage> FetchAsync(HttpClient clinician, string ssn)
    {
        var parameters = new Parameters();
        parameters.Add("identifier", new Identifier(TwoMemberNetwork.IdentifierSystem, ssn));
        return clinician.PostAsync("Patient/$fetch-remote", new StringContent(FhirSerialization.ToJson(parameters), Encoding.UTF8, "application/fhir+json"));
    }
}
