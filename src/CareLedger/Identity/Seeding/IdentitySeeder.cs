using CareLedger.Identity.Accounts;

namespace CareLedger.Identity.Seeding;

/// <summary>The demo's accounts: one person per role, with documented passwords, and one system client.</summary>
public static class IdentitySeeder
{
    public const string DemoSystemClientId = "demo-system";
    public const string DemoSystemSecret = "demo-system-secret";
    public const string DemoSystemScopes = "system/*.cruds";

    /// <summary>
    /// One account per role, linked to the given FHIR ids (the demo's imported patient and practitioner; the related
    /// persons may not exist as resources). Passwords are the user name followed by "-demo" (docs/identity.md).
    /// </summary>
    public static IReadOnlyList<NewUser> DemoAccounts(string patientId, string practitionerId,
        string guardianId = "demo-guardian", string caregiverId = "demo-caregiver") =>
    [
        new("alice", CareLedgerRole.Patient, $"Patient/{patientId}", "alice-demo"),
        new("dr.bob", CareLedgerRole.Clinician, $"Practitioner/{practitionerId}", "dr.bob-demo"),
        new("grace", CareLedgerRole.Guardian, $"RelatedPerson/{guardianId}", "grace-demo") { ActsForPatient = patientId },
        new("carl", CareLedgerRole.Caregiver, $"RelatedPerson/{caregiverId}", "carl-demo") { ActsForPatient = patientId },
        new("rita", CareLedgerRole.Researcher, null, "rita-demo"),
        new("priya", CareLedgerRole.PrivacyOfficer, null, "priya-demo"),
        new("boris", CareLedgerRole.BoardOfficer, null, "boris-demo"),
        new("oscar", CareLedgerRole.Operator, null, "oscar-demo"),
    ];

    /// <summary>
    /// Creates the accounts that do not exist yet and the <c>demo-system</c> client (secret
    /// <see cref="DemoSystemSecret"/>, scopes <see cref="DemoSystemScopes"/>). Running it twice changes nothing.
    /// </summary>
    public static async Task<DemoSeedResult> SeedDemoAsync(IdentityStore store, IEnumerable<NewUser> accounts, CancellationToken ct = default)
    {
        int created = 0, existing = 0;
        foreach (var account in accounts)
        {
            if (await store.FindAsync(account.UserName, ct) is not null)
            {
                existing++;
                continue;
            }

            await store.AddUserAsync(account, ct);
            created++;
        }

        var clientCreated = false;
        if (await store.FindClientAsync(DemoSystemClientId, ct) is null)
        {
            await store.AddClientAsync(new ClientRegistration(DemoSystemClientId, ClientKind.System)
            {
                DisplayName = "Demo backend service",
                Secret = DemoSystemSecret,
                AllowedScopes = DemoSystemScopes,
            }, ct);
            clientCreated = true;
        }

        return new DemoSeedResult(created, existing, clientCreated);
    }
}

/// <summary>What <see cref="IdentitySeeder.SeedDemoAsync"/> did.</summary>
public sealed record DemoSeedResult(int UsersCreated, int UsersAlreadyPresent, bool SystemClientCreated);
