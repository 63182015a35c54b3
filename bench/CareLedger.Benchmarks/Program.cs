using BenchmarkDotNet.Running;
using CareLedger.Benchmarks.Access;
using CareLedger.Benchmarks.Portal;

// Run one suite: dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*Merkle*'
// Load runs that need a whole node and concurrent clients rather than BenchmarkDotNet's loop:
//   dotnet run -c Release --project bench/CareLedger.Benchmarks -- door     (the door's overhead on FHIR reads)
//   dotnet run -c Release --project bench/CareLedger.Benchmarks -- portal   (page load of the patient timeline in Chromium)
//   dotnet run -c Release --project bench/CareLedger.Benchmarks -- audit    (the audit trail's CPU per record, alone)
//   dotnet run -c Release --project bench/CareLedger.Benchmarks -- certify  (the import loader's parse + certify, one thread)
//   dotnet run -c Release --project bench/CareLedger.Benchmarks -- vault-stage  (the vault writer's stage + commit, one thread)
// Before anything opens a connection, as the node's own entry point does: SQLite's process-wide settings (docs/adr/0025).
CareLedger.Sqlite.SqliteProcessConfiguration.Apply();
return args switch
{
    ["door", .. var rest] => await DoorOverheadLoad.RunAsync(rest),
    ["audit", .. var rest] => await AuditTrailLoad.RunAsync(rest),
    ["portal", .. var rest] => await PortalTimelineLoad.RunAsync(rest),
    ["certify", .. var rest] => CareLedger.Benchmarks.Fhir.CertifyLoad.Run(rest),
    ["vault-stage", .. var rest] => CareLedger.Benchmarks.Vault.VaultStageLoad.Run(rest),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(System.Reflection.Assembly.GetExecutingAssembly()).Run(args);
    return 0;
}
