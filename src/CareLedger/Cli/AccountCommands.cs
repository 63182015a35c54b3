using System.CommandLine;
using System.Security.Cryptography;
using CareLedger.Identity.Accounts;
using CareLedger.Node;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger user add|list</c> and <c>careledger client add</c>: the node's accounts (DATA/identity.db), managed
/// on the data directory like every other administrative command. Passwords and secrets are read from a file or
/// standard input, never from the command line, where they would sit in shell history and the process table.
/// </summary>
internal static class AccountCommands
{
    public static Command User()
    {
        var command = new Command("user", "People's accounts on this node: patients, clinicians, guardians, caregivers, researchers, officers.");
        command.Subcommands.Add(AddUser());
        command.Subcommands.Add(ListUsers());
        command.Subcommands.Add(RevokeKey());
        return command;
    }

    public static Command Client()
    {
        var command = new Command("client", "OAuth clients of this node (backend services using client credentials).");
        command.Subcommands.Add(AddClient());
        command.Subcommands.Add(RemoveClient());
        return command;
    }

    private static Command AddUser()
    {
        var data = CareLedgerCli.DataOption();
        var name = new Argument<string>("name") { Description = "The user name (3-64 of a-z 0-9 . _ - @)." };
        var role = new Option<string>("--role") { Description = "patient, clinician, guardian, caregiver, researcher, privacy-officer, board-officer or operator.", Required = true };
        var fhirUser = new Option<string?>("--fhir-user") { Description = "The FHIR resource the person acts as, e.g. Patient/123 or Practitioner/abc." };
        var actsFor = new Option<string?>("--acts-for") { Description = "For a guardian or caregiver: the id of the patient they act for." };
        var passwordFile = new Option<string>("--password-file") { Description = "A file holding the first password ('-' reads standard input).", Required = true };
        var command = new Command("add", "Create a person's account.") { data, name, role, fhirUser, actsFor, passwordFile };
        command.SetAction(async (parse, ct) =>
        {
            var paths = RequireNode(parse.GetValue(data)!);
            if (!CareLedgerRoles.TryParse(parse.GetValue(role), out var parsedRole) || parsedRole == CareLedgerRole.System)
            {
                throw new CliException($"--role '{parse.GetValue(role)}' is not a person's role (patient, clinician, guardian, caregiver, researcher, privacy-officer, board-officer, operator)");
            }

            var password = await ReadSecretAsync(parse.GetValue(passwordFile)!, "--password-file", ct);
            await using var store = await IdentityStore.OpenAsync(paths.DataDirectory, ct);
            var account = await Guard(() => store.AddUserAsync(new NewUser(parse.GetValue(name)!, parsedRole, parse.GetValue(fhirUser), password)
            {
                ActsForPatient = parse.GetValue(actsFor),
            }, ct));
            Console.WriteLine($"user {account.UserName} ({account.Role.ToName()}) created, subject {account.Id}");
            return 0;
        });
        return command;
    }

    private static Command ListUsers()
    {
        var data = CareLedgerCli.DataOption();
        var command = new Command("list", "List the accounts (user name, role, FHIR reference; never passwords).") { data };
        command.SetAction(async (parse, ct) =>
        {
            var paths = RequireNode(parse.GetValue(data)!);
            await using var store = await IdentityStore.OpenAsync(paths.DataDirectory, ct);
            foreach (var account in await store.ListUsersAsync(ct))
            {
                Console.WriteLine($"{account.UserName,-24} {account.Role.ToName(),-16} {account.Reference?.ToString() ?? "-"}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>careledger user revoke-key NAME</c>: revokes the person's key on the ledger (<c>PersonKeys.RevokeAsync</c>), for
    /// good: from the next leaf the ledger refuses what it signs, a licence naming it stops verifying, and a clinician's
    /// break-glass is refused. For a stolen device or a person who left; the account itself stays (remove access by role).
    /// </summary>
    private static Command RevokeKey()
    {
        var data = CareLedgerCli.DataOption();
        var name = new Argument<string>("name") { Description = "The user whose ledger key to revoke." };
        var command = new Command("revoke-key", "Revoke a person's key on the ledger, for good (their signed actions stop being accepted).") { data, name };
        command.SetAction(async (parse, ct) =>
        {
            var paths = RequireNode(parse.GetValue(data)!);
            var userName = parse.GetValue(name)!;
            UserAccount account;
            await using (var store = await IdentityStore.OpenAsync(paths.DataDirectory, ct))
            {
                account = await store.FindAsync(userName, ct) ?? throw new CliException($"there is no user '{userName}'");
            }

            await using var node = await CareLedgerNode.OpenAsync(paths, ct);
            var key = node.People.Find(account.Id, node.Ledger)
                ?? throw new CliException($"user {account.UserName} has no key on the ledger (one is registered the first time they sign something)");
            if (key.RevokedLeaf is { } leaf)
            {
                throw new CliException($"user {account.UserName}'s key {key.Id} was already revoked at leaf {leaf}");
            }

            var revoked = await node.People.RevokeAsync(account.Id, node.Ledger, ct);
            Console.WriteLine($"revoked the ledger key {revoked.Id} of user {account.UserName} ({account.Role.ToName()}) at leaf {revoked.RevokedLeaf}");
            return 0;
        });
        return command;
    }

    private static Command AddClient()
    {
        var data = CareLedgerCli.DataOption();
        var id = new Argument<string>("client-id") { Description = "The client id, e.g. lab-interface." };
        var scopes = new Option<string>("--scopes") { Description = "The most it may be granted (SMART system scopes).", DefaultValueFactory = _ => ClientRegistration.DefaultSystemScopes };
        var secretFile = new Option<string?>("--secret-file") { Description = "A file holding the client secret ('-' reads standard input); without it a secret is generated and printed once." };
        var command = new Command("add", "Register a backend service (SMART Backend Services, client credentials).") { data, id, scopes, secretFile };
        command.SetAction(async (parse, ct) =>
        {
            var paths = RequireNode(parse.GetValue(data)!);
            var file = parse.GetValue(secretFile);
            var secret = file is null ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) : await ReadSecretAsync(file, "--secret-file", ct);
            await using var store = await IdentityStore.OpenAsync(paths.DataDirectory, ct);
            var client = await Guard(() => store.AddClientAsync(new ClientRegistration(parse.GetValue(id)!, ClientKind.System)
            {
                Secret = secret,
                AllowedScopes = parse.GetValue(scopes),
            }, ct));
            Console.WriteLine($"client {client.ClientId} registered with scopes {client.AllowedScopes}");
            if (file is null)
            {
                Console.WriteLine($"secret {secret}  (shown once; keep it safe)");
            }

            return 0;
        });
        return command;
    }

    private static Command RemoveClient()
    {
        var data = CareLedgerCli.DataOption();
        var id = new Argument<string>("client-id") { Description = "The client to remove." };
        var command = new Command("remove", "Remove a client: its secret stops working at once.") { data, id };
        command.SetAction(async (parse, ct) =>
        {
            var paths = RequireNode(parse.GetValue(data)!);
            await using var store = await IdentityStore.OpenAsync(paths.DataDirectory, ct);
            if (!await store.RemoveClientAsync(parse.GetValue(id)!, ct))
            {
                throw new CliException($"there is no client '{parse.GetValue(id)}'");
            }

            Console.WriteLine($"client {parse.GetValue(id)} removed");
            return 0;
        });
        return command;
    }

    private static NodePaths RequireNode(string dataDirectory)
    {
        var paths = NodePaths.For(dataDirectory);
        return paths.IsInitialised ? paths : throw new CliException($"{paths.DataDirectory} holds no CareLedger node; run 'careledger init' first");
    }

    private static async Task<string> ReadSecretAsync(string file, string option, CancellationToken ct)
    {
        try
        {
            var text = file == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(file, ct);
            return text.TrimEnd('\r', '\n');
        }
        catch (FileNotFoundException)
        {
            throw new CliException($"{option}: {file} does not exist");
        }
    }

    private static async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (IdentityException e)
        {
            throw new CliException(e.Message);
        }
    }
}
