using CareLedger.Access.Callers;
using CareLedger.Access.Notifications;
using CareLedger.Access.Tests.Store;

namespace CareLedger.Access.Tests.Notifications;

public sealed class NotificationBoxTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_recipient_sees_only_their_notifications_newest_first()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var time = new ManualTime(Start);
        var box = new NotificationBox(world.Store, time);
        var patient = RegistryWorld.NewPseudonym();
        var older = box.Notify(NotificationRecipient.Patient(patient), "break-glass", "first", Guid.NewGuid());
        time.Advance(TimeSpan.FromMinutes(1));
        var newer = box.Notify(NotificationRecipient.Patient(patient), "break-glass", "second", Guid.NewGuid());
        box.Notify(NotificationRecipient.Patient(RegistryWorld.NewPseudonym()), "break-glass", "someone else", Guid.NewGuid());
        box.Notify(NotificationRecipient.PrivacyOfficer, "break-glass", "for the officer", Guid.NewGuid());

        var listed = box.For(NotificationRecipient.Patient(patient));

        Assert.Equal([newer, older], listed);
        Assert.Equal(Start.AddMinutes(1), listed[0].CreatedAt);
        Assert.Equal("for the officer", Assert.Single(box.For(NotificationRecipient.Role(CareLedgerRole.PrivacyOfficer))).Text);
        Assert.Empty(box.For(NotificationRecipient.Role(CareLedgerRole.Operator)));
    }

    [Fact]
    public async Task Marking_read_hides_it_from_the_unread_list_and_keeps_the_first_read_time()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var time = new ManualTime(Start);
        var box = new NotificationBox(world.Store, time);
        var auditId = Guid.NewGuid();
        var notification = box.Notify(NotificationRecipient.PrivacyOfficer, "break-glass", "review access", auditId);
        time.Advance(TimeSpan.FromMinutes(5));

        box.MarkRead(notification.Id);
        time.Advance(TimeSpan.FromMinutes(5));
        box.MarkRead(notification.Id);

        Assert.Empty(box.For(NotificationRecipient.PrivacyOfficer, unreadOnly: true));
        var read = Assert.Single(box.For(NotificationRecipient.PrivacyOfficer));
        Assert.Equal(Start.AddMinutes(5), read.ReadAt);
        Assert.Equal(auditId, read.AuditId);
        Assert.Equal(NotificationRecipient.PrivacyOfficer, read.Recipient);
    }

    [Fact]
    public async Task Marking_an_unknown_notification_read_is_an_error()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var box = new NotificationBox(world.Store);
        var id = Guid.NewGuid();

        var error = Assert.Throws<KeyNotFoundException>(() => box.MarkRead(id));

        Assert.Contains(id.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_kinds_and_texts_are_refused_and_store_nothing()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var box = new NotificationBox(world.Store);
        var to = NotificationRecipient.PrivacyOfficer;

        Assert.Throws<ArgumentException>(() => box.Notify(to, "Break Glass", "text", Guid.NewGuid()));
        Assert.Throws<ArgumentException>(() => box.Notify(to, "", "text", Guid.NewGuid()));
        Assert.Throws<ArgumentException>(() => box.Notify(to, "break-glass", " ", Guid.NewGuid()));
        Assert.Throws<ArgumentException>(() => box.Notify(to, "break-glass", "line\nbreak", Guid.NewGuid()));
        Assert.Throws<ArgumentException>(() => box.Notify(to, "break-glass", new string('x', NotificationBox.MaxTextLength + 1), Guid.NewGuid()));

        Assert.Empty(box.For(to));
    }

    [Fact]
    public void Recipients_are_patients_by_pseudonym_or_staff_roles()
    {
        var pseudonym = RegistryWorld.NewPseudonym();
        var patient = NotificationRecipient.Patient(pseudonym);

        Assert.Equal("patient/" + Convert.ToHexStringLower(pseudonym), patient.Address);
        Assert.Equal("role/privacy-officer", NotificationRecipient.PrivacyOfficer.Address);
        Assert.Equal(patient, NotificationRecipient.Parse(patient.Address));
        Assert.Equal(NotificationRecipient.PrivacyOfficer, NotificationRecipient.Parse("role/privacy-officer"));
        Assert.Throws<ArgumentException>(() => NotificationRecipient.Role(CareLedgerRole.Patient));
        Assert.Throws<ArgumentException>(() => NotificationRecipient.Role(CareLedgerRole.Guardian));
        Assert.Throws<ArgumentException>(() => NotificationRecipient.Patient(new byte[8]));
        Assert.Throws<FormatException>(() => NotificationRecipient.Parse("patient/Jane Doe"));
        Assert.Throws<FormatException>(() => NotificationRecipient.Parse("role/patient"));
    }
}
