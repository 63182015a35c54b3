using CareLedger.Access.Audit;
using CareLedger.Access.Gate;
using CareLedger.Identity.Accounts;
using CareLedger.Tests.Consortium;
using CareLedger.Tests.Portal;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Locator;

/// <summary>
/// Issue 7 across members (ADR 0010), in a real browser: a patient signed in to member B's portal sees, on her timeline,
/// the records member A holds of her — asked for by B's node under her own authority over real HTTP, found in the
/// ledger's record locator — marked with member A; when A is down, a notice in plain words and her records at B still show.
/// And ADR 0009 in the clinician's chart: a clinician at B sees A's records of the patient only as her consent at A permits,
/// and a refusal is said, not shown as an empty timeline.
/// </summary>
[Collection(ConsortiumProcesses.Name)]
public sealed class PortalAcrossMembersTests : IAsyncLifetime
{
    private const int A = 0;
    private const int B = 1;
    private const string Ssn = "999-73-0042";
    private TwoMemberNetwork net = null!;
    private IPlaywright? playwright;
    private IBrowser? browser;

    public async Task InitializeAsync()
    {
        net = await TwoMemberNetwork.StartAsync();
        playwright = await Playwright.CreateAsync();
        browser = await PortalTestNode.LaunchChromiumAsync(playwright);
    }

    [Fact]
    public async Task A_patient_sees_member_As_records_on_her_timeline_marked_with_member_A_and_a_plain_notice_when_A_is_down()
    {
        var ct = CancellationToken.None;
        // Member A holds an immunisation of hers; member B, where she signs in, a condition.
        var atA = (await net[A].Fhir.CreateAsync(net.Custodian(A), PatientWith(Ssn), null, ct)).Id;
        await net[A].Fhir.CreateAsync(net.Custodian(A), Influenza(atA), null, ct);
        var atB = (await net[B].Fhir.CreateAsync(net.Custodian(B), PatientWith(Ssn), null, ct)).Id;
        await net[B].Fhir.CreateAsync(net.Custodian(B), Hypertension(atB), null, ct);
        await net.Services(B).GetRequiredService<IdentityStore>().AddUserAsync(new NewUser("ines", CareLedgerRole.Patient, $"Patient/{atB}", "ines-demo"), ct);
        await WaitUntilLocatedAtBAsync(Ssn);
        var memberA = $"{net[A].Ledger.MemberName} ({net[A].Config.OrganisationName})";
        var page = await PortalTestNode.SignInAsync(browser!, net.Url(B), "ines");
        await page.GotoAsync("/portal/records");
        var remote = page.Locator("tr[data-kind=Immunisation]", new() { HasText = "Influenza" });
        await Assertions.Expect(remote).ToHaveCountAsync(1);
        await Assertions.Expect(remote).ToHaveAttributeAsync("data-holder", memberA);
        await Assertions.Expect(remote).ToContainTextAsync($"Held by {memberA}");
        var local = page.Locator("tr[data-kind=Condition]", new() { HasText = "Hypertensive disorder" });
        await Assertions.Expect(local).ToHaveAttributeAsync("data-holder", "here");
        await Assertions.Expect(page.Locator("[data-notice=remote]")).ToHaveCountAsync(0);
        await PortalTestNode.ScreenshotAsync(page, "patient-records-across-members");

        // Member A goes down: a notice in plain words, no error page, and her records at B still show.
        await net.StopHostAsync(A);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-notice=remote]")).ToContainTextAsync($"Your records held by {memberA} cannot be shown just now");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);
        await Assertions.Expect(local).ToBeVisibleAsync();
        await Assertions.Expect(remote).ToHaveCountAsync(0);
        await PortalTestNode.ScreenshotAsync(page, "patient-records-member-down");
    }

    [Fact]
    public async Task A_clinician_sees_member_As_record_in_Bs_chart_only_under_the_patients_consent_at_A_and_a_refusal_in_plain_words()
    {
        var ct = CancellationToken.None;
        const string ClinicianSsn = "999-73-0043";
        const string Permitted = "Practitioner/xm-dr-yes";
        const string Refused = "Practitioner/xm-dr-no";
        // Member A holds an immunisation of the patient; member B, where both clinicians work, a condition.
        var atA = (await net[A].Fhir.CreateAsync(net.Custodian(A), PatientWith(ClinicianSsn), null, ct)).Id;
        await net[A].Fhir.CreateAsync(net.Custodian(A), Influenza(atA), null, ct);
        var atB = (await net[B].Fhir.CreateAsync(net.Custodian(B), PatientWith(ClinicianSsn), null, ct)).Id;
        await net[B].Fhir.CreateAsync(net.Custodian(B), Hypertension(atB), null, ct);

        // Both clinicians are licensed at B and may open her chart there; only one is named by her consent at A.
        var accounts = net.Services(B).GetRequiredService<IdentityStore>();
        var yes = await accounts.AddUserAsync(new NewUser("dr.yes", CareLedgerRole.Clinician, Permitted, "dr.yes-demo"), ct);
        var no = await accounts.AddUserAsync(new NewUser("dr.no", CareLedgerRole.Clinician, Refused, "dr.no-demo"), ct);
        foreach (var (practitioner, licence) in new[] { (Permitted, "MD-B-31"), (Refused, "MD-B-32") })
        {
            await net.LicenceAsync(B, practitioner, licence);
            await net[B].Fhir.UpdateAsync(net.Custodian(B), "Practitioner", practitioner["Practitioner/".Length..], new Practitioner { Id = practitioner["Practitioner/".Length..] }, null, ct);
            await net[B].Fhir.CreateAsync(net.Custodian(B), TwoMemberNetwork.ConsentFor(atB, practitioner, Hl7.Fhir.Model.Consent.ConsentState.Active), null, ct);
        }

        await net[A].Fhir.UpdateAsync(net.Custodian(A), "Practitioner", "xm-dr-yes", new Practitioner { Id = "xm-dr-yes" }, null, ct);
        await net[A].Fhir.CreateAsync(net.Custodian(A), TwoMemberNetwork.ConsentFor(atA, Permitted, Hl7.Fhir.Model.Consent.ConsentState.Active), null, ct);
        await WaitUntilLocatedAtBAsync(ClinicianSsn);
        var memberA = $"{net[A].Ledger.MemberName} ({net[A].Config.OrganisationName})";

        // The permitted clinician sees A's immunisation in B's chart, marked with member A, beside B's own condition.
        var permitted = await PortalTestNode.SignInAsync(browser!, net.Url(B), "dr.yes");
        await permitted.GotoAsync($"/portal/patients/{atB}");
        var remote = permitted.Locator("tr[data-kind=Immunisation]", new() { HasText = "Influenza" });
        await Assertions.Expect(remote).ToHaveCountAsync(1);
        await Assertions.Expect(remote).ToHaveAttributeAsync("data-holder", memberA);
        await Assertions.Expect(remote).ToContainTextAsync($"Held by {memberA}");
        await Assertions.Expect(permitted.Locator("tr[data-kind=Condition]", new() { HasText = "Hypertensive disorder" })).ToHaveAttributeAsync("data-holder", "here");
        await Assertions.Expect(permitted.Locator("[data-notice=remote]")).ToHaveCountAsync(0);
        await PortalTestNode.ScreenshotAsync(permitted, "clinician-chart-across-members");

        // The other clinician sees B's record and, instead of A's, A's refusal in plain words: not an empty timeline.
        var refused = await PortalTestNode.SignInAsync(browser!, net.Url(B), "dr.no");
        await refused.GotoAsync($"/portal/patients/{atB}");
        await Assertions.Expect(refused.Locator("tr[data-kind=Condition]", new() { HasText = "Hypertensive disorder" })).ToBeVisibleAsync();
        var notice = refused.Locator("[data-notice=remote]");
        await Assertions.Expect(notice).ToContainTextAsync($"This patient's records held by {memberA} are not shown: that member of the network refused");
        await Assertions.Expect(notice).ToContainTextAsync("consent");
        await Assertions.Expect(refused.Locator("tr[data-holder]:not([data-holder=here])")).ToHaveCountAsync(0);
        await Assertions.Expect(refused.GetByText("Influenza")).ToHaveCountAsync(0);
        await PortalTestNode.ScreenshotAsync(refused, "clinician-chart-member-refused");

        // Both members audited both: A's door decided for each clinician of B, and B recorded what A answered.
        await net[A].Audit.FlushAsync(ct);
        await net[B].Audit.FlushAsync(ct);
        var memberB = net[B].Ledger.MemberName!;
        foreach (var (account, outcome) in new[] { (yes, AuditOutcome.Permit), (no, AuditOutcome.Deny) })
        {
            var atMemberA = Assert.Single(net[A].Audit.Query(new AuditQuery { AccessorSubject = $"{memberB}/{account.Id}", Action = AccessAction.Disclose, Limit = 10 }));
            Assert.Equal(outcome, atMemberA.Record.Outcome);
            Assert.Equal(account.Reference?.ToString(), atMemberA.Record.AccessorReference);
            var atMemberB = Assert.Single(net[B].Audit.Query(new AuditQuery { AccessorSubject = account.Id, Action = AccessAction.Disclose, Limit = 10 }));
            Assert.Equal(outcome, atMemberB.Record.Outcome);
            Assert.Equal($"records received from member {net[A].Ledger.MemberName}", atMemberB.Record.Detail);
            Assert.Equal(atMemberA.Record.Disclosed, atMemberB.Record.Disclosed);
        }
    }

    private async Task WaitUntilLocatedAtBAsync(string ssn)
    {
        var locator = net[B].Locator!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (locator.Locate(locator.PseudonymOf(ssn)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "member A's locator entry did not reach member B");
            await Task.Delay(100);
        }
    }

    private static Immunization Influenza(string patientId) => new()
    {
        Status = Immunization.ImmunizationStatusCodes.Completed,
        VaccineCode = new CodeableConcept("http://hl7.org/fhir/sid/cvx", "140", "Influenza, seasonal, injectable, preservative free"),
        Patient = new ResourceReference($"Patient/{patientId}"),
        Occurrence = new FhirDateTime("2025-10-14"),
    };

    private static Condition Hypertension(string patientId) => new()
    {
        ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        Code = new CodeableConcept("http://snomed.info/sct", "38341003", "Hypertensive disorder"),
        Subject = new ResourceReference($"Patient/{patientId}"),
        RecordedDate = "2024-03-01",
    };

    private static Patient PatientWith(string ssn) => new()
    {
        Identifier = [new Identifier(TwoMemberNetwork.IdentifierSystem, ssn)],
        Name = [new HumanName { Family = "Oyelaran", Given = ["Ines"] }],
        BirthDate = "1981-04-02",
    };

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        await net.DisposeAsync();
    }
}
