using System.CommandLine;
using CareLedger.IO;
using CareLedger.Locator;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger locator key new|rotate|install</c>: the network's record-locator key (ADR 0009), made once for a network
/// and installed in each member's data directory (like the genesis, it travels between the founders, never on the ledger);
/// rotated by a new key that keeps the old one for lookups, installed on every member in turn.
/// </summary>
internal static class LocatorCommands
{
    public static Command Create()
    {
        var command = new Command("locator", "The record locator: which member holds records of a (pseudonymous) patient.");
        var key = new Command("key", "The network's locator key: members name a shared patient by a keyed hash of an identifier.");
        key.Subcommands.Add(New());
        key.Subcommands.Add(Rotate());
        key.Subcommands.Add(Install());
        command.Subcommands.Add(key);
        return command;
    }

    private static Command New()
    {
        var system = new Option<string>("--identifier-system")
        {
            Description = "The identifier system whose values name a patient across the network (e.g. a national patient identifier URI).",
            Required = true,
        };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the new key (mode 0600); it must not exist.", Required = true };
        var command = new Command("new", "Make a new locator key for a network (once, by one founder).") { system, output };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(output)!;
            if (file.Exists)
            {
                throw new CliException($"{file.FullName} already exists; refusing to overwrite a network's locator key");
            }

            LocatorKey key;
            try
            {
                key = LocatorKey.Create(parse.GetValue(system)!);
            }
            catch (FormatException e)
            {
                throw new CliException(e.Message);
            }

            SecureFile.WriteAllBytes(file.FullName, key.ToJson());
            parse.InvocationConfiguration.Output.WriteLine($"locator key for identifier system {key.IdentifierSystem} written to {file.FullName}; install it on every member with 'careledger locator key install'");
            return 0;
        });
        return command;
    }

    private static Command Rotate()
    {
        var current = new Argument<FileInfo>("FILE") { Description = "The network's current locator key file." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "Where to write the new key (mode 0600); it must not exist.", Required = true };
        var command = new Command("rotate", "Make the network's next locator key; the file keeps the current one for lookups while members rotate.") { current, output };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(current)!;
            var file = parse.GetValue(output)!;
            if (!source.Exists)
            {
                throw new CliException($"locator key file not found: {source.FullName}");
            }

            if (file.Exists)
            {
                throw new CliException($"{file.FullName} already exists; refusing to overwrite a locator key");
            }

            var rotated = ReadKey(source).Rotate();
            SecureFile.WriteAllBytes(file.FullName, rotated.ToJson());
            parse.InvocationConfiguration.Output.WriteLine(
                $"new locator key written to {file.FullName} (it keeps {rotated.PreviousKeyCount} previous key(s) for lookups); install it on every member with 'careledger locator key install' and restart each");
            return 0;
        });
        return command;
    }

    private static LocatorKey ReadKey(FileInfo file)
    {
        try
        {
            return LocatorKey.Parse(File.ReadAllBytes(file.FullName), file.FullName);
        }
        catch (FormatException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static Command Install()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The network's locator key (from 'careledger locator key new')." };
        var data = new Option<string>("--data", "-d") { Description = "The member's data directory.", Required = true };
        var command = new Command("install", "Install the network's locator key in a member's data directory (restart the member to use it).") { file, data };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(file)!;
            var directory = Path.GetFullPath(parse.GetValue(data)!);
            if (!source.Exists)
            {
                throw new CliException($"locator key file not found: {source.FullName}");
            }

            if (!Node.NodePaths.For(directory).IsInitialised)
            {
                throw new CliException($"{directory} holds no CareLedger node");
            }

            var key = ReadKey(source);

            // The same key, its rotation (it keeps the installed key) or the installed key without the ones it retired.
            if (LocatorKey.Load(directory) is { } installed && !key.Knows(installed))
            {
                throw new CliException($"{LocatorKey.PathIn(directory)} already holds another locator key; a member belongs to one network (a new key of its network is made with 'careledger locator key rotate')");
            }

            key.SaveTo(directory);
            parse.InvocationConfiguration.Output.WriteLine($"locator key installed in {LocatorKey.PathIn(directory)} (identifier system {key.IdentifierSystem})");
            return 0;
        });
        return command;
    }
}
