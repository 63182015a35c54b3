using CareLedger.Identity.Accounts;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Identity;

/// <summary>One running host for the protocol tests, with a patient, a clinician, a system client and two apps.</summary>
public sealed class IdentityHostFixture : IAsyncLifetime, IDisposable
{
    public const string PatientUser = "alice";
    public const string PatientPassword = "alice-demo";
    public const string PatientId = "p-123";
    public const string ClinicianUser = "dr.bob";
    public const string ClinicianPassword = "dr.bob-demo";
    public const string GuardianUser = "grace";
    public const string GuardianPassword = "grace-demo";
    public const string SystemClient = "lab-system";
    public const string SystemSecret = "lab-system-secret-0001";
    public const string SystemScopes = "system/Observation.rs system/Patient.r";
    public const string PublicApp = "test-app";
    public const string ConfidentialApp = "test-app-confidential";
    public const string ConfidentialAppSecret = "test-app-secret-0001";
    public static readonly Uri RedirectUri = new("http://127.0.0.1/callback");

    private readonly TempDirectory _data = new();

    internal IdentityTestHost Host { get; private set; } = null!;

    internal string DataDirectory => _data.Path;

    public async Task InitializeAsync()
    {
        Host = await IdentityTestHost.StartAsync(_data.Path);
        var store = Host.Store;
        await store.AddUserAsync(new NewUser(PatientUser, CareLedgerRole.Patient, $"Patient/{PatientId}", PatientPassword));
        await store.AddUserAsync(new NewUser(ClinicianUser, CareLedgerRole.Clinician, "Practitioner/dr-1", ClinicianPassword));
        await store.AddUserAsync(new NewUser(GuardianUser, CareLedgerRole.Guardian, "RelatedPerson/g-1", GuardianPassword) { ActsForPatient = PatientId });
        await store.AddClientAsync(new ClientRegistration(SystemClient, ClientKind.System) { Secret = SystemSecret, AllowedScopes = SystemScopes });
        await store.AddClientAsync(new ClientRegistration(PublicApp, ClientKind.App) { RedirectUris = [RedirectUri] });
        await store.AddClientAsync(new ClientRegistration(ConfidentialApp, ClientKind.App)
        {
            RedirectUris = [RedirectUri],
            Secret = ConfidentialAppSecret,
        });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public void Dispose() => _data.Dispose();
}

[CollectionDefinition(Name)]
public sealed class IdentityHostCollection : ICollectionFixture<IdentityHostFixture>
{
    public const string Name = "identity host";
}
