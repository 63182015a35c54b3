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
        await net[A].Fhir.CreateAsync(net.Custodian(A), new Immunization
        {
            Status = Immunization.ImmunizationStatusCodes.Completed,
            VaccineCode = new CodeableConcept("http://hl7.org/fhir/sid/cvx", "140", "Influenza, seasonal, injectable, preservative free"),
            Patient = new ResourceReference($"Patient/{atA}"),
            Occurrence = new FhirDateTime("2025-10-14"),
        }, null, ct);
        var atB = (await net[B].Fhir.CreateAsync(net.Custodian(B), PatientWith(Ssn), null, ct)).Id;
        await net[B].Fhir.CreateAsync(net.Custodian(B), new Condition
        {
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            Code = new CodeableConcept("http://snomed.info/sct", "38341003", "Hypertensive disorder"),
            Subject = new ResourceReference($"Patient/{atB}"),
            RecordedDate = "2024-03-01",
        }, null, ct);
        await net.Services(B).GetRequiredService<IdentityStore>().AddUserAsync(new NewUser("ines", CareLedgerRole.Patient, $"Patient/{atB}", "ines-demo"), ct);
        var locator = net[B].Locator!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (locator.Locate(locator.PseudonymOf(Ssn)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "member A's locator entry did not reach member B");
            await Task.Delay(100);
        }

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
