using System.Text;
using BenchmarkDotNet.Attributes;
using CareLedger.Access.Audit;
using CareLedger.Access.BreakGlass;
using CareLedger.Access.Callers;
using CareLedger.Access.Credentials;
using CareLedger.Access.Delegation;
using CareLedger.Access.Gate;
using CareLedger.Vault;
using CareLedger.Vault.Keys;

namespace CareLedger.Benchmarks.Access;

/// <summary>
/// The door's overhead on a read (issue 4 budget: at most 15 % on FHIR reads): a plain vault read of a 1 KiB
/// Observation against <see cref="AccessGate.Read"/> of the same record by the patient (own record: scope, pseudonym
/// lookup, audit) and by a clinician whose access the patient's consent (34 provisions) decides (scope, credential,
/// facts from the JSON, consent decision, audit). The audit trail here only counts: the real one queues the record
/// for a batched write, measured with the audit benchmarks.
/// Run: dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*AccessGate*' --job short
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AccessGateBenchmarks
{
    private const string Organisation = "Bench General";
    private const string Doctor = "Practitioner/bench-doctor";

    private readonly CountingAuditTrail _audit = new();
    private string _directory = "";
    private FileKeyring? _keyring;
    private CareLedger.Vault.Vault? _vault;
    private AccessGate? _gate;
    private Accessor? _patient;
    private Accessor? _clinician;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "careledger-gate-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _keyring = FileKeyring.OpenOrCreate(Path.Combine(_directory, "keyring.json"));
        _vault = CareLedger.Vault.Vault.Open(new VaultOptions(Path.Combine(_directory, "vault.db"), _keyring));
        Put("Patient", "bench-patient", """{"resourceType":"Patient","id":"bench-patient","birthDate":"1970-01-01"}""");
        Put("Observation", "read-target", Observation());
        Put("Consent", "c1", Consent());

        var options = new AccessGateOptions(Organisation) { OrganizationReference = "Organization/bench-general" };
        _gate = new AccessGate(_vault, options, _audit, new AlwaysCredentialed(), new NoBreakGlass(), new NoDelegations(), TimeProvider.System);
        _patient = new Accessor("acct-patient", CareLedgerRole.Patient, "Patient/bench-patient", Organisation, "bench-patient", AllScopes.Instance);
        _clinician = new Accessor("acct-doctor", CareLedgerRole.Clinician, Doctor, Organisation, null, AllScopes.Instance);
        if (_gate.Read(_clinician, AccessContext.Default, "Observation", "read-target") is null)
        {
            throw new InvalidOperationException("the consent should permit the benchmark's clinician");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vault?.Dispose();
        _keyring?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public byte[]? VaultRead() => _vault!.Read("Observation", "read-target");

    [Benchmark]
    public DisclosedRecord? GateReadByPatient() => _gate!.Read(_patient!, AccessContext.Default, "Observation", "read-target");

    [Benchmark]
    public DisclosedRecord? GateReadByClinicianUnderConsent() => _gate!.Read(_clinician!, AccessContext.Default, "Observation", "read-target");

    private void Put(string type, string id, string json)
    {
        var tx = Guid.NewGuid().ToByteArray();
        var request = new StageRequest(new RecordAddress(type, id, 1), "bench-patient", Encoding.UTF8.GetBytes(json), []);
        _vault!.Commit(_vault.Stage([request], tx), tx);
    }

    private static string Observation()
    {
        var note = new StringBuilder();
        while (note.Length < 640)
        {
            note.Append("lorem ipsum ");
        }

        return $$"""{"resourceType":"Observation","id":"read-target","meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"N"}]},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/bench-patient"},"effectiveDateTime":"2026-01-10T08:30:00Z","valueQuantity":{"value":72,"unit":"/min"},"note":[{"text":"{{note}}"}]}""";
    }

    // Deny; for each of 11 organisations permit, except psychiatry, except the organisation's psychiatrist (34 provisions).
    private static string Consent()
    {
        const string Recipient = """{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"PRCP"}]}""";
        var exceptions = string.Join(",", Enumerable.Range(0, 11).Select(i => $$$"""
            {"type":"permit","actor":[{"role":{{{Recipient}}},"reference":{"reference":"Organization/{{{(i == 10 ? "bench-general" : "org-" + i)}}}"}}],"provision":[
              {"type":"deny","securityLabel":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"PSY"}],"provision":[
                {"type":"permit","actor":[{"role":{{{Recipient}}},"reference":{"reference":"Practitioner/psy-{{{i}}}"}}]}]}]}
            """));
        return $$$"""{"resourceType":"Consent","id":"c1","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},"category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/bench-patient"},"provision":{"type":"deny","provision":[{{{exceptions}}}]}}""";
    }

    private sealed class CountingAuditTrail : IAuditTrail
    {
        private long _count;

        public void Record(AuditRecord record) => Interlocked.Increment(ref _count);
    }

    private sealed class AlwaysCredentialed : ICredentialStatus
    {
        private static readonly CredentialCheck Valid = new(true, "benchmark credential", "urn:uuid:bench");

        public CredentialCheck Check(string practitionerReference, DateTimeOffset now) => Valid;
    }

    private sealed class NoBreakGlass : IBreakGlassGrants
    {
        public BreakGlassGrant Open(Accessor who, byte[] patient, BreakGlassRequest request, Guid auditId, DateTimeOffset now) =>
            throw new InvalidOperationException("the benchmark never breaks the glass");
    }

    private sealed class NoDelegations : IDelegations
    {
        public DelegationGrant? Find(string delegateReference, byte[] patient) => null;
    }

    private sealed class AllScopes : IScopeCheck
    {
        public static readonly AllScopes Instance = new();

        public bool Permits(string resourceType, AccessAction action) => true;

        public string RequiredScope(string resourceType, AccessAction action) => $"user/{resourceType}.rs";
    }
}
