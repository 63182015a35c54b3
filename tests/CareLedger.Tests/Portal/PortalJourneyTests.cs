using System.Globalization;
using Microsoft.Playwright;

namespace CareLedger.Tests.Portal;

/// <summary>
/// The portal's main journeys in a real browser against a real node: everything the pages show came through the
/// access layer, so what a person sees and is refused is what the door decided.
/// </summary>
[Collection(PortalTestNode.Collection)]
public sealed class PortalJourneyTests(PortalTestNode portal)
{
    [Fact]
    public async Task A_patient_revokes_a_clinicians_consent_the_clinician_is_refused_and_the_privacy_officer_sees_both()
    {
        // dr.bob, in his own browser, sees alice's chart while her consent is in force.
        var bob = await portal.SignInAsync("dr.bob");
        await bob.GotoAsync($"/portal/patients/{portal.PatientId}");
        await Assertions.Expect(bob.Locator("h2", new() { HasText = "Timeline" })).ToBeVisibleAsync();
        await Assertions.Expect(bob.GetByRole(AriaRole.Alert)).ToHaveCountAsync(0);

        // alice sees her record: the timeline and a chart of a vital sign.
        var alice = await portal.SignInAsync("alice");
        await alice.GetByRole(AriaRole.Link, new() { Name = "My records" }).First.ClickAsync();
        await Assertions.Expect(alice.Locator("tr[data-kind=Encounter]").First).ToBeVisibleAsync();
        await Assertions.Expect(alice.Locator("tr[data-kind=Immunisation]").First).ToBeVisibleAsync();
        await Assertions.Expect(alice.Locator("figure.chart svg[role=img]").First).ToBeVisibleAsync();
        await PortalTestNode.ScreenshotAsync(alice, "patient-records");

        // Her access log shows dr.bob's permitted read, and a receipt verifies.
        await alice.GetByRole(AriaRole.Link, new() { Name = "Who accessed my data" }).First.ClickAsync();
        var bobsRead = alice.Locator("tr[data-role=clinician][data-outcome=allowed]");
        await Assertions.Expect(bobsRead.First).ToBeVisibleAsync();
        await bobsRead.First.GetByRole(AriaRole.Button, new() { Name = "Verify the receipt" }).ClickAsync();
        await Assertions.Expect(alice.Locator("#receipt-result")).ToHaveAttributeAsync("data-valid", "true");
        await Assertions.Expect(alice.Locator("#receipt-result")).ToContainTextAsync("Receipt verified");
        await PortalTestNode.ScreenshotAsync(alice, "patient-access-log");

        // She withdraws the consent that names dr.bob.
        await alice.GetByRole(AriaRole.Link, new() { Name = "My consents" }).First.ClickAsync();
        var bobsConsent = alice.Locator("tr[data-status='in force']", new() { HasText = $"Practitioner/{portal.PractitionerId}" }).Filter(new() { HasText = "your treatment" });
        await Assertions.Expect(bobsConsent).ToHaveCountAsync(1);
        await bobsConsent.GetByRole(AriaRole.Button, new() { Name = "Withdraw" }).ClickAsync();
        await Assertions.Expect(alice.GetByRole(AriaRole.Status)).ToContainTextAsync("Withdrawn");
        await Assertions.Expect(bobsConsent).ToHaveCountAsync(0);
        await PortalTestNode.ScreenshotAsync(alice, "patient-consents");

        // dr.bob's next request, in his own session, is refused in plain words.
        await bob.ReloadAsync();
        var refusal = bob.GetByRole(AriaRole.Alert);
        await Assertions.Expect(refusal).ToContainTextAsync("You may not see this patient's record");
        await Assertions.Expect(bob.Locator("tr[data-kind]")).ToHaveCountAsync(0);
        await PortalTestNode.ScreenshotAsync(bob, "clinician-refused");
        await bob.GotoAsync("/portal/patients");
        await Assertions.Expect(bob.GetByRole(AriaRole.Link, new() { Name = "Clemente" })).ToHaveCountAsync(0);

        // priya sees both events: alice's change of the consent and dr.bob's refusal.
        var priya = await portal.SignInAsync("priya");
        await priya.GetByRole(AriaRole.Link, new() { Name = "Access log" }).First.ClickAsync();
        await Assertions.Expect(priya.Locator("tr[data-role=patient][data-action=Update]", new() { HasText = "Consent" }).First).ToBeVisibleAsync();
        await Assertions.Expect(priya.Locator("tr[data-role=clinician][data-outcome=refused]", new() { HasText = "dr.bob" }).First).ToBeVisibleAsync();
        await priya.GetByLabel("Who (user name)").FillAsync("dr.bob");
        await priya.GetByLabel("Outcome").SelectOptionAsync("refused");
        await priya.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
        await Assertions.Expect(priya.Locator("tbody tr[data-outcome=allowed]")).ToHaveCountAsync(0);
        await Assertions.Expect(priya.Locator("tbody tr[data-outcome=refused]").First).ToBeVisibleAsync();
        await PortalTestNode.ScreenshotAsync(priya, "privacy-officer-access-log");

        // A page for another role says so in plain words and shows nothing.
        await priya.GotoAsync("/portal/records");
        await Assertions.Expect(priya.GetByRole(AriaRole.Alert)).ToContainTextAsync("This page is for patients");
    }

    [Fact]
    public async Task The_board_revokes_a_credential_and_the_public_check_page_shows_it_revoked()
    {
        var boris = await portal.SignInAsync("boris");
        await boris.GetByRole(AriaRole.Link, new() { Name = "Credentials" }).First.ClickAsync();
        await boris.GetByLabel("Practitioner", new() { Exact = true }).FillAsync("Practitioner/portal-test-locum");
        await boris.GetByLabel("Licence number").FillAsync("LOCUM-77");
        await boris.GetByLabel("Speciality").FillAsync("emergency medicine");
        await boris.GetByLabel("Valid until").FillAsync(DateTimeOffset.UtcNow.AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await boris.GetByRole(AriaRole.Button, new() { Name = "Issue" }).ClickAsync();
        await Assertions.Expect(boris.GetByRole(AriaRole.Status)).ToContainTextAsync("Issued credential");
        var row = boris.Locator("tr[data-practitioner='Practitioner/portal-test-locum']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", "valid");
        var jwt = await row.Locator("textarea.vc-jwt").InputValueAsync();

        // Anyone, signed out, checks it: valid.
        var visitor = await (await portal.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseUrl })).NewPageAsync();
        await CheckAsync(visitor, jwt);
        await Assertions.Expect(visitor.Locator("#check-result")).ToHaveAttributeAsync("data-valid", "true");

        // The board renews it for two years: the new end date is on the ledger, the licence still valid.
        var renewedUntil = DateTimeOffset.UtcNow.AddYears(2);
        await row.GetByRole(AriaRole.Radio).CheckAsync();
        await boris.GetByLabel("New end date for renewing").FillAsync(renewedUntil.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await boris.GetByRole(AriaRole.Button, new() { Name = "Renew" }).ClickAsync();
        await Assertions.Expect(boris.GetByRole(AriaRole.Status)).ToContainTextAsync("Renewed credential");
        await Assertions.Expect(boris.GetByRole(AriaRole.Status)).ToContainTextAsync(renewedUntil.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture));
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", "valid");
        Assert.Equal(renewedUntil.UtcDateTime.Date, portal.Node.Credentials.List().Single(c => c.PractitionerReference == "Practitioner/portal-test-locum").ValidUntil.UtcDateTime.Date);
        // The renewed licence (same id, new JWT) checks valid; the JWT it replaced no longer does.
        var renewedJwt = await row.Locator("textarea.vc-jwt").InputValueAsync();
        Assert.NotEqual(jwt, renewedJwt);
        await CheckAsync(visitor, renewedJwt);
        await Assertions.Expect(visitor.Locator("#check-result")).ToHaveAttributeAsync("data-valid", "true");
        await CheckAsync(visitor, jwt);
        await Assertions.Expect(visitor.Locator("#check-result")).ToHaveAttributeAsync("data-valid", "false");
        jwt = renewedJwt;

        await row.GetByRole(AriaRole.Radio).CheckAsync();
        await boris.GetByLabel("Reason for revoking").FillAsync("licence surrendered");
        await boris.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(boris.GetByRole(AriaRole.Status)).ToContainTextAsync("Revoked credential");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", "revoked");
        await PortalTestNode.ScreenshotAsync(boris, "board-credentials");

        await CheckAsync(visitor, jwt);
        await Assertions.Expect(visitor.Locator("#check-result")).ToHaveAttributeAsync("data-valid", "false");
        await Assertions.Expect(visitor.Locator("#check-result")).ToContainTextAsync("revoked");
        await PortalTestNode.ScreenshotAsync(visitor, "public-credential-check");
    }

    [Fact]
    public async Task Signing_in_with_a_wrong_password_shows_the_reason_and_no_portal_session()
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = portal.BaseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/portal/records");
        await page.GetByLabel("User name").FillAsync("alice");
        await page.GetByLabel("Password").FillAsync("not-her-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText("The user name or password is incorrect")).ToBeVisibleAsync();
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == "careledger.portal");
    }

    [Fact]
    public async Task A_refused_clinician_breaks_the_glass_and_the_privacy_officer_reviews_accounts_for_and_verifies_it()
    {
        // dr.bob has no consent from this patient: refused, in plain words, with the way out for an emergency.
        var bob = await portal.SignInAsync("dr.bob");
        await bob.GotoAsync($"/portal/patients/{portal.UnconsentedPatientId}");
        await Assertions.Expect(bob.GetByRole(AriaRole.Alert).First).ToContainTextAsync("You may not see this patient's record");
        await bob.GetByLabel("Reason").FillAsync("collapsed in the waiting room, unable to consent");
        await bob.GetByLabel("For how long").SelectOptionAsync("1");
        await bob.GetByRole(AriaRole.Button, new() { Name = "Open emergency access" }).ClickAsync();
        var banner = bob.Locator("#break-glass-banner");
        await Assertions.Expect(banner).ToContainTextAsync("Emergency access (break-glass)");
        await Assertions.Expect(banner).ToContainTextAsync("collapsed in the waiting room");
        await Assertions.Expect(bob.Locator("tr[data-kind]").First).ToBeVisibleAsync();
        await Assertions.Expect(bob.Locator("[data-panel=ai-risk]")).ToBeVisibleAsync();
        await PortalTestNode.ScreenshotAsync(bob, "clinician-break-glass");

        // The opening stays in force until it expires: the next visit is still emergency access, still flagged.
        await bob.ReloadAsync();
        await Assertions.Expect(banner).ToBeVisibleAsync();

        // priya reviews it: the opening with its reason, and a notification to mark reviewed.
        var priya = await portal.SignInAsync("priya");
        await priya.GetByRole(AriaRole.Link, new() { Name = "Break-glass review" }).First.ClickAsync();
        var opening = priya.Locator($"tr[data-clinician='Practitioner/{portal.PractitionerId}']", new() { HasText = "collapsed in the waiting room" });
        await Assertions.Expect(opening).ToHaveCountAsync(1);
        await Assertions.Expect(opening).ToContainTextAsync("in force");
        await PortalTestNode.ScreenshotAsync(priya, "privacy-officer-break-glass");
        var toReview = priya.Locator("li[data-notification]");
        var before = await toReview.CountAsync();
        Assert.True(before > 0, "the opening notified the privacy officer");
        await toReview.First.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(priya.GetByRole(AriaRole.Status)).ToContainTextAsync("Marked as reviewed");
        await Assertions.Expect(toReview).ToHaveCountAsync(before - 1);

        // The disclosures under break-glass are in the patient's accounting of disclosures, flagged.
        await priya.GetByRole(AriaRole.Link, new() { Name = "Accounting of disclosures" }).First.ClickAsync();
        await priya.GetByLabel("Patient").FillAsync($"Patient/{portal.UnconsentedPatientId}");
        await priya.GetByRole(AriaRole.Button, new() { Name = "Show the accounting" }).ClickAsync();
        await Assertions.Expect(priya.Locator("tr[data-break-glass=yes]", new() { HasText = $"Practitioner/{portal.PractitionerId}" }).First).ToBeVisibleAsync();
        var csv = await priya.RunAndWaitForDownloadAsync(() => priya.GetByRole(AriaRole.Link, new() { Name = "Download as CSV" }).ClickAsync());
        Assert.Contains($"Practitioner/{portal.PractitionerId}", await File.ReadAllTextAsync((await csv.PathAsync())!), StringComparison.Ordinal);
        await PortalTestNode.ScreenshotAsync(priya, "privacy-officer-accounting");

        // The ledger explorer: the latest checkpoint's signatures verify, and so does a transaction's receipt.
        await priya.GetByRole(AriaRole.Link, new() { Name = "Ledger", Exact = true }).ClickAsync();
        var signatures = priya.Locator("tr[data-valid]");
        await Assertions.Expect(signatures).ToHaveCountAsync(2);
        await Assertions.Expect(priya.Locator("tr[data-valid=false]")).ToHaveCountAsync(0);
        await priya.GetByLabel("Position or transaction id").FillAsync("1");
        await priya.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await priya.GetByRole(AriaRole.Button, new() { Name = "Verify the receipt" }).ClickAsync();
        await Assertions.Expect(priya.Locator("#ledger-verification")).ToHaveAttributeAsync("data-valid", "true");
        await PortalTestNode.ScreenshotAsync(priya, "ledger-explorer");
    }

    [Fact]
    public async Task A_patient_grants_and_ends_a_delegation_grants_a_narrow_consent_and_downloads_everything()
    {
        var alice = await portal.SignInAsync("alice");

        // Her guardian (a court order) and her caregiver (her own grant) are listed; she adds a helper and ends it.
        await alice.GetByRole(AriaRole.Link, new() { Name = "My delegations" }).First.ClickAsync();
        await Assertions.Expect(alice.Locator("tr[data-delegate='RelatedPerson/demo-guardian']")).ToContainTextAsync("a court order");
        await alice.GetByLabel("Who").FillAsync("RelatedPerson/portal-helper");
        await alice.GetByLabel("As your").SelectOptionAsync("caregiver");
        await alice.GetByLabel("immunisations").CheckAsync();
        await alice.GetByRole(AriaRole.Button, new() { Name = "Grant" }).ClickAsync();
        await Assertions.Expect(alice.GetByRole(AriaRole.Status)).ToContainTextAsync("Granted: RelatedPerson/portal-helper may now see immunisations");
        var helper = alice.Locator("tr[data-delegate='RelatedPerson/portal-helper']");
        await Assertions.Expect(helper).ToHaveAttributeAsync("data-status", "in force");
        await PortalTestNode.ScreenshotAsync(alice, "patient-delegations");
        await helper.GetByRole(AriaRole.Button, new() { Name = "End" }).ClickAsync();
        await Assertions.Expect(helper).ToHaveAttributeAsync("data-status", "ended");

        // A narrow consent: one practitioner, research only, two kinds of record, until a date.
        await alice.GetByRole(AriaRole.Link, new() { Name = "My consents" }).First.ClickAsync();
        await alice.GetByLabel("Who").FillAsync($"Practitioner/{portal.PractitionerId}");
        await alice.GetByLabel("For what").SelectOptionAsync("HRESCH");
        await alice.GetByLabel("tests, measurements and vital signs").CheckAsync();
        await alice.GetByLabel("conditions and diagnoses").CheckAsync();
        await alice.GetByLabel("Until (optional)").FillAsync(DateTimeOffset.UtcNow.AddMonths(6).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await alice.GetByRole(AriaRole.Button, new() { Name = "Grant access" }).ClickAsync();
        await Assertions.Expect(alice.GetByRole(AriaRole.Status)).ToContainTextAsync(
            $"Practitioner/{portal.PractitionerId} may see tests, measurements and vital signs and conditions and diagnoses, for health research");

        // Everything about her, as one FHIR Bundle: her records and her access log.
        await alice.GetByRole(AriaRole.Link, new() { Name = "Download or erase" }).First.ClickAsync();
        await PortalTestNode.ScreenshotAsync(alice, "patient-my-data");
        var download = await alice.RunAndWaitForDownloadAsync(() => alice.GetByRole(AriaRole.Link, new() { Name = "Download my data" }).ClickAsync());
        var bundle = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("\"resourceType\": \"Bundle\"", bundle, StringComparison.Ordinal);
        Assert.Contains($"\"id\": \"{portal.PatientId}\"", bundle, StringComparison.Ordinal);
        Assert.Contains("\"resourceType\": \"AuditEvent\"", bundle, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_patient_who_erases_her_records_finds_them_gone()
    {
        var erin = await portal.SignInAsync("erin");
        await erin.GetByRole(AriaRole.Link, new() { Name = "Download or erase" }).First.ClickAsync();

        // Without the confirmation nothing happens, and she is told why.
        await erin.GetByLabel("I understand that this cannot be undone.").CheckAsync();
        await erin.GetByLabel("Type \"erase my records\" to confirm").FillAsync("erase");
        await erin.GetByRole(AriaRole.Button, new() { Name = "Erase my records" }).ClickAsync();
        await Assertions.Expect(erin.GetByRole(AriaRole.Alert)).ToContainTextAsync("Nothing was erased");
        Assert.NotNull(portal.Node.Gate.PseudonymOf(portal.ErinPatientId));

        await erin.GetByLabel("I understand that this cannot be undone.").CheckAsync();
        await erin.GetByLabel("Type \"erase my records\" to confirm").FillAsync("erase my records");
        await erin.GetByRole(AriaRole.Button, new() { Name = "Erase my records" }).ClickAsync();
        await Assertions.Expect(erin.Locator("#erase-result")).ToContainTextAsync("Erased.");
        Assert.Null(portal.Node.Gate.PseudonymOf(portal.ErinPatientId));

        await erin.GetByRole(AriaRole.Link, new() { Name = "My records" }).First.ClickAsync();
        await Assertions.Expect(erin.GetByRole(AriaRole.Alert)).ToContainTextAsync("was erased");
    }

    private static async Task CheckAsync(IPage page, string jwt)
    {
        await page.GotoAsync("/portal/check");
        await page.GetByLabel("Credential (VC-JWT)").FillAsync(jwt);
        await page.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
        await Assertions.Expect(page.Locator("#check-result")).ToBeVisibleAsync();
    }
}
