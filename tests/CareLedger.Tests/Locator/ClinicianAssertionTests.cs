using CareLedger.Ledger.Crypto;
using CareLedger.Locator;

namespace CareLedger.Tests.Locator;

public sealed class ClinicianAssertionTests
{
    private const string Audience = "http://127.0.0.1:5001/fhir";
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static ClinicianAssertion Assertion(DateTimeOffset? expires = null) => new(
        "member-b", Audience, "account-7", "Practitioner/dr-b", "eyJ.vc.jwt", "TREAT", new string('a', 64), Now, expires ?? Now.AddMinutes(5), "jti-1");

    [Fact]
    public void An_assertion_signed_by_the_members_node_key_round_trips()
    {
        using var node = AuthorKey.Generate();
        var compact = Assertion().Sign(node);

        var verified = ClinicianAssertion.Verify(compact, name => name == "member-b" ? node.PublicKeySpki : null, Audience + "/", Now.AddMinutes(1));

        Assert.Equal(Assertion(), verified);
    }

    [Fact]
    public void Another_key_audience_issuer_lifetime_or_a_changed_claim_is_refused()
    {
        using var node = AuthorKey.Generate();
        using var stranger = AuthorKey.Generate();
        var compact = Assertion().Sign(node);
        byte[]? Keys(string name) => name == "member-b" ? node.PublicKeySpki : null;

        Assert.Contains("not signed", Refusal(() => ClinicianAssertion.Verify(Assertion().Sign(stranger), Keys, Audience, Now)));
        Assert.Contains("not this member", Refusal(() => ClinicianAssertion.Verify(compact, Keys, "http://127.0.0.1:5002/fhir", Now)));
        Assert.Contains("not a member", Refusal(() => ClinicianAssertion.Verify(compact, _ => null, Audience, Now)));
        Assert.Contains("expired", Refusal(() => ClinicianAssertion.Verify(compact, Keys, Audience, Now.AddMinutes(6))));
        Assert.Contains("longer", Refusal(() => ClinicianAssertion.Verify(Assertion(Now.AddHours(1)).Sign(node), Keys, Audience, Now)));
        var parts = compact.Split('.');
        var otherClaims = Assertion() with { Practitioner = "Practitioner/someone-else" };
        var swapped = parts[0] + "." + otherClaims.Sign(node).Split('.')[1] + "." + parts[2];
        Assert.Contains("not signed", Refusal(() => ClinicianAssertion.Verify(swapped, Keys, Audience, Now)));
    }

    [Fact]
    public void A_locator_key_round_trips_and_names_a_patient_the_same_way_on_every_member()
    {
        using var directory = new Support.TempDirectory();
        var key = LocatorKey.Create("http://hl7.org/fhir/sid/us-ssn");
        key.SaveTo(directory.Path);

        var loaded = LocatorKey.Load(directory.Path)!;

        Assert.Equal(key.ToJson(), loaded.ToJson());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LocatorKey.PathIn(directory.Path)));
        }

        Assert.Equal(key.PseudonymOf("net/a", "999-11-2222"), loaded.PseudonymOf("net/a", " 999-11-2222 "));
        Assert.NotEqual(key.PseudonymOf("net/a", "999-11-2222"), loaded.PseudonymOf("net/b", "999-11-2222"));
        Assert.NotEqual(key.PseudonymOf("net/a", "999-11-2222"), LocatorKey.Create(key.IdentifierSystem).PseudonymOf("net/a", "999-11-2222"));
        Assert.Throws<FormatException>(() => LocatorKey.Parse("{\"format\":\"careledger-locator-key/v1\",\"identifierSystem\":\"x|y\",\"key\":\"AA==\"}"u8, "test"));
    }

    private static string Refusal(Action verify) => Assert.Throws<FormatException>(verify).Message;
}
