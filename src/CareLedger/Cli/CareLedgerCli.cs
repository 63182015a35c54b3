using System.CommandLine;
using CareLedger.Ledger.Log;
using CareLedger.Ledger.Engine;

namespace CareLedger.Cli;

/// <summary>
/// The <c>careledger</c> command. Every failure a user can cause ends as one line on standard error and a
/// non-zero exit code; only a bug prints more.
/// </summary>
internal static class CareLedgerCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("CareLedger — a permissioned health-data ledger: encrypted records, patient consent, provable access.");
        root.Subcommands.Add(NodeCommands.Init());
        root.Subcommands.Add(NodeCommands.Serve());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(NodeCommands.Keys());
        root.Subcommands.Add(AccountCommands.User());
        root.Subcommands.Add(AccountCommands.Client());
        root.Subcommands.Add(CredentialCommands.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(EraseCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(ReceiptCommands.Create());
        root.Subcommands.Add(AuditCommands.Create());
        root.Subcommands.Add(ModelCommands.Create());
        root.Subcommands.Add(AiCommands.Create());
        root.Subcommands.Add(ConsortiumCommands.Create());
        root.Subcommands.Add(NetworkCommands.Create());
        root.Subcommands.Add(LocatorCommands.Create());
        root.Subcommands.Add(BenchCommands.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (Console.IsOutputRedirected)
        {
            // Tables read from a log or by a test (bench figures, verify counts) must not wrap at the default 80 columns.
            Spectre.Console.AnsiConsole.Profile.Width = Math.Max(Spectre.Console.AnsiConsole.Profile.Width, 200);
        }

        try
        {
            return await Build().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    /// <summary>Maps what can go wrong to one line and an exit code (1 user error, 2 integrity failure, 70 bug).</summary>
    internal static int Fail(Exception e)
    {
        var (message, code) = e switch
        {
            CliException c => (c.Message, c.ExitCode),
            Storage.StoreUnavailableException s => (s.Message, 1),
            LogCorruptedException c => (c.Message, 2),
            TransactionRejectedException r => ($"transaction rejected ({r.Code}): {r.Message}", 1),
            LedgerHaltedException h => (h.Message, 2),
            OperationCanceledException => ("cancelled", 130),
            UnauthorizedAccessException u => (u.Message, 1),
            IOException io => (io.Message, 1),
            _ => ($"unexpected error ({e.GetType().Name}): {e.Message}", 70),
        };
        Console.Error.WriteLine($"careledger: {message}");
        return code;
    }

    internal static Option<string> DataOption(string defaultDirectory = "careledger-data") => new("--data", "-d")
    {
        Description = "The node's data directory.",
        DefaultValueFactory = _ => defaultDirectory,
    };
}
