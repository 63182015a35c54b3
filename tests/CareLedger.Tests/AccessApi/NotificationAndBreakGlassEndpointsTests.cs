using System.Globalization;
using System.Net;
using CareLedger.Access.Notifications;
using CareLedger.Ledger.Transactions;
using CareLedger.Tests.Fhir;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.AccessApi;

/// <summary>A break-glass opening end to end: the patient and the privacy officer are notified, and the officer reviews it.</summary>
public sealed class NotificationAndBreakGlassEndpointsTests
{
    [Fact]
    public async System.Threading.Tasks.Task A_break_glass_read_notifies_the_patient_and_the_privacy_officer_who_reviews_it()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        await host.LicenseAsync("dr-1");
        using var clinician = host.As(Person.Clinician("dr-1"));
        using var patient = host.As(Person.Patient("p-1"));
        using var officer = host.As(Person.PrivacyOfficer);
        var until = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        using var emergency = await clinician.SendAsync(FhirTestNode.Request(HttpMethod.Get, "fhir/Observation/o-p-1", null,
            ("CareLedger-Break-Glass-Reason", "unconscious on arrival"), ("CareLedger-Break-Glass-Until", until)));

        Assert.Equal(HttpStatusCode.OK, emergency.StatusCode);
        var notice = Assert.Single((await AccessApiHost.JsonAsync(await patient.GetAsync("access/notifications?unread=true"))).GetProperty("notifications").EnumerateArray());
        Assert.Equal("break-glass", notice.GetProperty("kind").GetString());
        var officerNotice = Assert.Single((await AccessApiHost.JsonAsync(await officer.GetAsync("access/notifications"))).GetProperty("notifications").EnumerateArray());
        Assert.Equal(notice.GetProperty("auditId").GetString(), officerNotice.GetProperty("auditId").GetString());

        var opening = Assert.Single((await AccessApiHost.JsonAsync(await officer.GetAsync("access/break-glass?since=2020-01-01"))).GetProperty("breakGlass").EnumerateArray());
        Assert.Equal(("Practitioner/dr-1", "unconscious on arrival", true), (opening.GetProperty("clinician").GetString(), opening.GetProperty("reason").GetString(), opening.GetProperty("active").GetBoolean()));
        Assert.Equal(Convert.ToHexStringLower(host.Node.Gate.PseudonymOf("p-1")!), opening.GetProperty("patientPseudonym").GetString());
        Assert.True(opening.GetProperty("anchor").GetProperty("leafIndex").GetInt64() > 0);
        // Signed by the clinician's own practitioner key, registered by the organisation under a pseudonym (not the node key).
        var signer = host.Node.Ledger.State.FindKey(host.Node.Ledger.ReadTransaction(opening.GetProperty("anchor").GetProperty("leafIndex").GetInt64()).Transaction.Author)!;
        Assert.Equal(KeyRoles.Practitioner, signer.Role);
        Assert.NotNull(KeyLabels.PseudonymOf(signer.Label));
        Assert.Equal(host.Node.Ledger.Keys.Organisation.Id, host.Node.Ledger.ReadTransaction(signer.RegisteredLeaf).Transaction.Author);
        Assert.Empty((await AccessApiHost.JsonAsync(await officer.GetAsync($"access/break-glass?since={DateTime.UtcNow.AddDays(1):yyyy-MM-dd}"))).GetProperty("breakGlass").EnumerateArray());
        await host.SettleAuditAsync();
        using var flagged = await patient.GetAsync("fhir/AuditEvent?break-glass=true");
        var flaggedEvent = (AuditEvent)Assert.Single((await FhirTestNode.ReadAsync<Bundle>(flagged)).Entry).Resource!;
        Assert.Equal(notice.GetProperty("auditId").GetString(), flaggedEvent.Id);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_clinician_whose_own_key_is_revoked_is_refused_break_glass_with_an_audited_403_and_nothing_opened()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        // A licence that names no key: the credential stays valid, only the key that would sign the opening is revoked.
        await host.LicenseAsync("dr-1");
        await host.Node.People.GetOrRegisterOwnAsync("acct-dr-1", KeyRoles.Practitioner, host.Node.Ledger, CancellationToken.None);
        var revoked = await host.Node.People.RevokeAsync("acct-dr-1", host.Node.Ledger, CancellationToken.None);
        using var clinician = host.As(Person.Clinician("dr-1"));
        using var officer = host.As(Person.PrivacyOfficer);
        var until = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        using var emergency = await clinician.SendAsync(FhirTestNode.Request(HttpMethod.Get, "fhir/Observation/o-p-1", null,
            ("CareLedger-Break-Glass-Reason", "unconscious on arrival"), ("CareLedger-Break-Glass-Until", until)));

        var why = await AccessApiHost.ProblemAsync(emergency, HttpStatusCode.Forbidden);
        Assert.Contains($"key {revoked.Id} was revoked at leaf {revoked.RevokedLeaf}", why, StringComparison.Ordinal);
        Assert.DoesNotContain("o-p-1", await emergency.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await AccessApiHost.JsonAsync(await officer.GetAsync("access/break-glass?since=2020-01-01"))).GetProperty("breakGlass").EnumerateArray());
        Assert.Empty((await AccessApiHost.JsonAsync(await officer.GetAsync("access/notifications"))).GetProperty("notifications").EnumerateArray());
        await host.SettleAuditAsync();
        var refusal = Assert.Single(host.Node.Audit.ForPatient(host.Node.Gate.PseudonymOf("p-1")!, null, 100), e => e.Record.AccessorSubject == "acct-dr-1");
        Assert.Equal(global::CareLedger.Access.Audit.AuditOutcome.Deny, refusal.Record.Outcome);
        Assert.False(refusal.Record.BreakGlass);
        Assert.Contains(refusal.Record.Reasons, r => r.Contains($"was revoked at leaf {revoked.RevokedLeaf}", StringComparison.Ordinal));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_patient_marks_their_notification_read_once_and_cannot_touch_the_officers()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        var own = host.Node.Notifications.Notify(NotificationRecipient.Patient(host.Node.Gate.PseudonymOf("p-1")!), "test-notice", "an access to check", Guid.NewGuid());
        var officers = host.Node.Notifications.Notify(NotificationRecipient.PrivacyOfficer, "test-notice", "an access to review", Guid.NewGuid());
        using var patient = host.As(Person.Patient("p-1"));

        using var read = await patient.PostAsync($"access/notifications/{own.Id}/$read", null);
        var first = (await AccessApiHost.JsonAsync(read)).GetProperty("readAt").GetDateTimeOffset();
        using var again = await patient.PostAsync($"access/notifications/{own.Id}/$read", null);
        using var unread = await patient.GetAsync("access/notifications?unread=true");
        using var all = await patient.GetAsync("access/notifications");
        using var foreign = await patient.PostAsync($"access/notifications/{officers.Id}/$read", null);

        Assert.Equal(first, (await AccessApiHost.JsonAsync(again)).GetProperty("readAt").GetDateTimeOffset());
        Assert.Empty((await AccessApiHost.JsonAsync(unread)).GetProperty("notifications").EnumerateArray());
        Assert.Equal(own.Id.ToString(), Assert.Single((await AccessApiHost.JsonAsync(all)).GetProperty("notifications").EnumerateArray()).GetProperty("id").GetString());
        await AccessApiHost.ProblemAsync(foreign, HttpStatusCode.NotFound);
        Assert.Null(Assert.Single(host.Node.Notifications.For(NotificationRecipient.PrivacyOfficer)).ReadAt);
    }

    [Fact]
    public async System.Threading.Tasks.Task Others_are_refused_and_bad_parameters_are_400()
    {
        await using var host = await AccessApiHost.StartAsync();
        await host.SeedPatientAsync("p-1");
        using var patient = host.As(Person.Patient("p-1"));
        using var clinician = host.As(Person.Clinician("dr-1"));
        using var officer = host.As(Person.PrivacyOfficer);
        using var newcomer = host.As(Person.Patient("p-new"));

        await AccessApiHost.ProblemAsync(await clinician.GetAsync("access/notifications"), HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(await patient.GetAsync("access/break-glass"), HttpStatusCode.Forbidden);
        await AccessApiHost.ProblemAsync(await clinician.GetAsync("access/break-glass"), HttpStatusCode.Forbidden);
        Assert.Contains("unread must be", await AccessApiHost.ProblemAsync(await patient.GetAsync("access/notifications?unread=maybe"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("since must be", await AccessApiHost.ProblemAsync(await officer.GetAsync("access/break-glass?since=last-week"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await AccessApiHost.ProblemAsync(await patient.PostAsync("access/notifications/not-a-guid/$read", null), HttpStatusCode.NotFound);
        Assert.Empty((await AccessApiHost.JsonAsync(await newcomer.GetAsync("access/notifications"))).GetProperty("notifications").EnumerateArray());
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().GetAsync("access/notifications")).StatusCode);
    }
}
