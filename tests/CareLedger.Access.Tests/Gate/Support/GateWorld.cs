using System.Text;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Consent.Profiles;
using CareLedger.Vault;
using CareLedger.Vault.Keys;
using Microsoft.Data.Sqlite;

namespace CareLedger.Access.Tests.Gate.Support;

/// <summary>
/// A real vault (temporary directory, file keyring) and a real door in front of it, with in-test audit trail,
/// credentials, break-glass register and delegations (our own seams). Removed on dispose.
/// </summary>
public sealed class GateWorld : IDisposable
{
    public const string Organisation = "St Elsewhere";
    public const string OrganizationReference = "Organization/st-elsewhere";
    public const string DoctorA = "Practitioner/dr-a";
    public const string ObservationCode = "8867-4";

    public static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory;
    private readonly FileKeyring _keyring;
    private int _tx;

    public GateWorld(JurisdictionProfile? profile = null, int? decisionCacheCapacity = null)
    {
        _directory = Path.Combine(Path.GetTempPath(), "careledger-gate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _keyring = FileKeyring.OpenOrCreate(Path.Combine(_directory, "keyring.json"), Time);
        Vault = CareLedger.Vault.Vault.Open(new VaultOptions(Path.Combine(_directory, "vault.db"), _keyring) { Time = Time });
        Options = new AccessGateOptions(Organisation)
        {
            Profile = profile ?? JurisdictionProfile.OptIn,
            OrganizationReference = OrganizationReference,
        };
        if (decisionCacheCapacity is { } capacity)
        {
            Options = Options with { DecisionCacheCapacity = capacity };
        }

        Gate = new AccessGate(Vault, Options, Audit, Credentials, BreakGlass, Delegations, Time);
    }

    public ManualTime Time { get; } = new(Start);

    public CareLedger.Vault.Vault Vault { get; }

    public AccessGateOptions Options { get; }

    public RecordingAuditTrail Audit { get; } = new();

    public FixedCredentials Credentials { get; } = new(DoctorA);

    public RecordingBreakGlass BreakGlass { get; } = new();

    public FixedDelegations Delegations { get; } = new();

    public AccessGate Gate { get; }

    /// <summary>Writes the next version of a resource straight into the vault (as the node's repository does after the door).</summary>
    public RecordAddress Put(string type, string id, string? patientId, string json)
    {
        var version = Vault.History(type, id).Count + 1;
        var address = new RecordAddress(type, id, version);
        var tx = NextTx();
        Vault.Commit(Vault.Stage([new StageRequest(address, patientId, Encoding.UTF8.GetBytes(json), [])], tx), tx);
        return address;
    }

    public RecordAddress Delete(string type, string id, string? patientId)
    {
        var address = new RecordAddress(type, id, Vault.History(type, id).Count + 1);
        var tx = NextTx();
        Vault.Commit(Vault.Stage([StageRequest.Delete(address, patientId)], tx), tx);
        return address;
    }

    /// <summary>A patient with a Patient resource (and so a compartment).</summary>
    public byte[] AddPatient(string patientId, string birthDate = "1980-04-02")
    {
        Put("Patient", patientId, patientId, FhirJson.Patient(patientId, birthDate));
        return Vault.TryGetPseudonym(patientId)!;
    }

    /// <summary>Writes a Consent into the patient's compartment and tells the door, as the node does after the commit.</summary>
    public void PutConsent(string patientId, string consentJson, string id)
    {
        Put("Consent", id, patientId, consentJson);
        Gate.AfterConsentWrite(patientId);
    }

    public static Accessor Patient(string patientId, IScopeCheck? scopes = null) =>
        new("acct-" + patientId, CareLedgerRole.Patient, "Patient/" + patientId, Organisation, patientId, scopes ?? TestScopes.All);

    public static Accessor Clinician(string reference = DoctorA, string organisation = Organisation, IScopeCheck? scopes = null) =>
        new("acct-clinician", CareLedgerRole.Clinician, reference, organisation, null, scopes ?? TestScopes.All);

    public static Accessor Delegate(CareLedgerRole role, string reference, string patientId) =>
        new("acct-" + role.ToName(), role, reference, Organisation, patientId, TestScopes.All);

    public static Accessor Researcher(string? reference = "Practitioner/res-1") =>
        new("acct-researcher", CareLedgerRole.Researcher, reference, Organisation, null, TestScopes.All);

    public static Accessor System(string organisation = Organisation) =>
        new("client-importer", CareLedgerRole.System, null, organisation, null, TestScopes.All);

    public static Accessor Staff(CareLedgerRole role, IScopeCheck? scopes = null) =>
        new("acct-" + role.ToName(), role, null, Organisation, null, scopes ?? TestScopes.All);

    public void Dispose()
    {
        Vault.Dispose();
        _keyring.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private byte[] NextTx()
    {
        var tx = new byte[16];
        tx[0] = 0x01;
        global::System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(tx.AsSpan(12), ++_tx);
        return tx;
    }
}
