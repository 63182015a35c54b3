using System.CommandLine;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary><c>careledger erase</c>: GDPR Art. 17 erasure of one patient by crypto-shredding, with a ledger tombstone.</summary>
internal static class EraseCommand
{
    public static Command Create()
    {
        var data = CareLedgerCli.DataOption();
        var patient = new Option<string>("--patient") { Description = "The FHIR id of the Patient to erase.", Required = true };
        var yes = new Option<bool>("--yes") { Description = "Confirm: erasure cannot be undone." };
        var command = new Command("erase", "Erase a patient: destroy their keys, salts and records in the vault and record a tombstone on the ledger. Irreversible.") { data, patient, yes };
        command.SetAction(async (parse, ct) =>
        {
            if (!parse.GetValue(yes))
            {
                throw new CliException("erasure destroys the patient's records for good; add --yes to confirm");
            }

            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            PatientErasure erasure;
            try
            {
                erasure = await node.ErasePatientAsync(parse.GetValue(patient)!, ct);
            }
            catch (KeyNotFoundException e)
            {
                throw new CliException(e.Message);
            }

            AnsiConsole.MarkupLine($"[green]erased[/]: {erasure.ResourcesDestroyed} resources ({erasure.VersionsDestroyed} versions) crypto-shredded; tombstone {erasure.Tombstone} at leaf {erasure.LeafIndex}");
            return 0;
        });
        return command;
    }
}
