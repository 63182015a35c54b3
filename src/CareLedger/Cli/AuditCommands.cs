using System.CommandLine;
using CareLedger.Access.Audit.Receipts;
using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Cli;

/// <summary><c>careledger audit verify</c>: check an audit receipt offline, with nothing but the log's verifier key.</summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var command = new Command("audit", "Audit records: proofs that an access to patient data was recorded and anchored on the ledger.");
        command.Subcommands.Add(Verify());
        return command;
    }

    private static Command Verify()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The audit receipt (careledger-audit-receipt/v1 JSON, from GET /access/audit/{id}/receipt)." };
        var key = new Option<string>("--key", "-k")
        {
            Description = "The log's verifier key (vkey 'name+id+base64', as GET /ledger/keys or 'careledger keys' print it), or a file holding it.",
            Required = true,
        };
        var command = new Command("verify", "Verify an audit receipt offline: the record, its commitment, its path to the batch root, the anchor transaction and the ledger receipt.") { file, key };
        command.SetAction(parse =>
        {
            var receiptFile = parse.GetValue(file)!;
            if (!receiptFile.Exists)
            {
                throw new CliException($"audit receipt file not found: {receiptFile.FullName}");
            }

            var verifierKey = ReadKey(parse.GetValue(key)!);
            AuditReceipt receipt;
            try
            {
                receipt = AuditReceipts.Parse(File.ReadAllText(receiptFile.FullName));
            }
            catch (FormatException e)
            {
                throw new CliException($"audit receipt INVALID: {receiptFile.Name} is not an audit receipt: {e.Message}", exitCode: 2);
            }

            var check = AuditReceipts.Verify(receipt, verifierKey);
            if (!check.Valid)
            {
                throw new CliException($"audit receipt INVALID: {string.Join("; ", check.Problems)}", exitCode: 2);
            }

            var record = check.Record!;
            parse.InvocationConfiguration.Output.WriteLine(
                $"audit receipt valid: record {record.Id:D} ({record.Action.ToString().ToLowerInvariant()}, {record.Outcome.ToString().ToLowerInvariant()}, {record.Time:O}) is in batch {receipt.Batch}, anchored by transaction {check.AnchorTransaction} at ledger leaf {check.AnchorLeaf}");
            return 0;
        });
        return command;
    }

    /// <summary>The vkey itself, or the first key line of a file; checked here so that a bad key is a usage error, not an invalid receipt.</summary>
    private static string ReadKey(string value)
    {
        var text = File.Exists(value)
            ? File.ReadAllLines(value).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#')) ?? string.Empty
            : value.Trim();
        try
        {
            VerifierKey.Parse(text);
        }
        catch (FormatException e)
        {
            throw new CliException($"not a verifier key: '{text}' ({e.Message}); expected name+hexid+base64 as printed by 'careledger keys'");
        }

        return text;
    }
}
