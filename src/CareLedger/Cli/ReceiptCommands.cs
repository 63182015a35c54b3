using System.CommandLine;
using CareLedger.Consortium;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Receipts;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary><c>careledger receipt get|verify</c>: produce a receipt from a node, and check one offline.</summary>
internal static class ReceiptCommands
{
    public static Command Create()
    {
        var command = new Command("receipt", "Transaction receipts: self-contained proofs that a transaction is in the ledger (docs/receipts.md).");
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Get());
        return command;
    }

    private static Command Verify()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The receipt (JSON)." };
        var keys = new Option<string[]>("--key", "-k")
        {
            Description = "A trusted verifier key (vkey 'name+id+base64'), or a file with one vkey per line. Repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        var genesis = new Option<FileInfo?>("--genesis")
        {
            Description = "A consortium's genesis: trust its members' cosigner keys and require its quorum of them.",
        };
        var minimum = new Option<int?>("--min-signatures") { Description = "How many trusted signatures the checkpoint must carry (default 1, or the genesis's quorum)." };
        var command = new Command("verify", "Verify a receipt offline against trusted public keys: signatures, checkpoint, inclusion proof.") { file, keys, genesis, minimum };
        command.SetAction(parse =>
        {
            var receiptFile = parse.GetValue(file)!;
            if (!receiptFile.Exists)
            {
                throw new CliException($"receipt file not found: {receiptFile.FullName}");
            }

            var trusted = ReadKeys(parse.GetValue(keys) ?? []);
            var required = parse.GetValue(minimum) ?? 1;
            if (parse.GetValue(genesis) is { } genesisFile)
            {
                var terms = (ConsortiumGenesisPayload)TransactionPayloads.Decode(Founding.ReadGenesis(genesisFile.FullName).Transaction);
                trusted.AddRange(terms.CosignerSet().Select(m => m.CosignerKey));
                required = parse.GetValue(minimum) ?? terms.Quorum;
            }

            if (trusted.Count == 0)
            {
                throw new CliException("give the keys to trust: --key (repeatable) or --genesis");
            }

            if (required < 1)
            {
                throw new CliException("--min-signatures must be at least 1");
            }
            Receipt receipt;
            try
            {
                receipt = Receipts.Parse(File.ReadAllText(receiptFile.FullName));
            }
            catch (FormatException e)
            {
                throw new CliException($"{receiptFile.Name} is not a CareLedger receipt: {e.Message}");
            }

            var result = Receipts.Verify(receipt, trusted, required);
            if (!result.Valid)
            {
                throw new CliException($"receipt INVALID: {result.Error}", exitCode: 2);
            }

            var tx = SignedTransaction.Decode(receipt.Transaction).Transaction;
            AnsiConsole.MarkupLine($"[green]receipt valid[/]: transaction {tx.Id} ({tx.Type}) is leaf {receipt.LeafIndex} of a tree of {receipt.TreeSize}, signed by {Markup.Escape(string.Join(", ", result.VerifiedSigners))}");
            return 0;
        });
        return command;
    }

    private static Command Get()
    {
        var data = CareLedgerCli.DataOption();
        var id = new Argument<string>("TX") { Description = "A transaction id (hex) or a leaf index." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the receipt here instead of standard output." };
        var command = new Command("get", "Print the receipt of a transaction from a node's data directory.") { data, id, output };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            var text = parse.GetValue(id)!;
            Receipt? receipt;
            if (long.TryParse(text, out var index))
            {
                receipt = index >= 0 && index < node.Ledger.Size ? node.Ledger.GetReceipt(index) : throw new CliException($"no transaction at leaf index {index}; the log has {node.Ledger.Size}");
            }
            else if (TxId.TryParse(text, out var txId))
            {
                receipt = node.Ledger.State.TryGetLeafIndex(txId, out _) ? node.Ledger.GetReceipt(txId) : throw new CliException($"no applied transaction with id {text}");
            }
            else
            {
                throw new CliException($"'{text}' is neither a transaction id nor a leaf index");
            }

            if (receipt is null)
            {
                throw new CliException("the transaction is durable but not yet covered by a signed checkpoint; run the node ('careledger serve') so that it signs one");
            }

            var json = Receipts.ToJson(receipt);
            if (parse.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, json, ct);
                Console.Error.WriteLine($"receipt written to {file.FullName}");
            }
            else
            {
                Console.WriteLine(json);
            }

            return 0;
        });
        return command;
    }

    private static List<VerifierKey> ReadKeys(IEnumerable<string> values)
    {
        var keys = new List<VerifierKey>();
        foreach (var value in values)
        {
            var lines = File.Exists(value)
                ? File.ReadAllLines(value).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
                : [value.Trim()];
            foreach (var line in lines)
            {
                try
                {
                    keys.Add(VerifierKey.Parse(line));
                }
                catch (FormatException e)
                {
                    throw new CliException($"not a verifier key: '{line}' ({e.Message}); expected name+hexid+base64 as printed by 'careledger keys'");
                }
            }
        }

        return keys;
    }
}
