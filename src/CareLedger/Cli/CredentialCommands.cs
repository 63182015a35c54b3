using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CareLedger.Access.Credentials;
using CareLedger.Node;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger credential verify|issue|renew|revoke|list</c>: a licensing board's practitioner credentials (C8).
/// <c>verify</c> answers for anyone, against a data directory or a running node (<c>--node</c>); the others act on the
/// board's own data directory.
/// </summary>
internal static class CredentialCommands
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var command = new Command("credential", "Practitioner credentials: W3C Verifiable Credentials (vc+jwt) whose status is on the ledger.");
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Issue());
        command.Subcommands.Add(Renew());
        command.Subcommands.Add(Revoke());
        command.Subcommands.Add(List());
        return command;
    }

    /// <summary>The default label of the board's credential-issuer key on the ledger: an organisation's name, never a person's.</summary>
    internal static string BoardNameOf(NodeConfig config) => config.OrganisationName + " licensing board";

    private static Command Verify()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The credential: a file holding the VC-JWT (application/vc+jwt)." };
        var data = new Option<string?>("--data", "-d") { Description = "Verify against this node's data directory (default careledger-data)." };
        var node = new Option<string?>("--node") { Description = "Verify against a running node instead, e.g. http://127.0.0.1:8080 (no account needed)." };
        var command = new Command("verify", "Is this credential valid now? Signature, issuer key, ledger status (revoked, superseded) and validity period.") { file, data, node };
        command.SetAction(async (parse, ct) =>
        {
            var jwt = ReadCredentialFile(parse.GetValue(file)!);
            var (nodeUrl, dataDirectory) = (parse.GetValue(node), parse.GetValue(data));
            if (nodeUrl is not null && dataDirectory is not null)
            {
                throw new CliException("give --data or --node, not both");
            }

            var answer = nodeUrl is not null
                ? await VerifyAtNodeAsync(NodeUrl(nodeUrl), jwt, ct)
                : await VerifyInDataAsync(dataDirectory ?? "careledger-data", jwt, ct);
            if (!answer.Valid)
            {
                throw new CliException($"credential INVALID: {(answer.CredentialId is null ? "" : answer.CredentialId + " ")}{string.Join("; ", answer.Reasons)}");
            }

            Console.WriteLine($"credential valid: {answer.CredentialId} ({answer.Status}, valid until {answer.ValidUntil}, ledger leaf {answer.LedgerLeaf})");
            return 0;
        });
        return command;
    }

    private static Command Issue()
    {
        var data = CareLedgerCli.DataOption();
        var practitioner = new Option<string>("--practitioner") { Description = "The practitioner: Practitioner/<id>.", Required = true };
        var licenceNumber = new Option<string>("--licence-number") { Description = "The board's licence number.", Required = true };
        var speciality = new Option<string>("--speciality") { Description = "The licensed speciality.", Required = true };
        var validUntil = ValidUntilOption();
        var board = new Option<string?>("--board") { Description = "The board's name, the label of its key on the ledger when first registered (default: '<organisation> licensing board')." };
        var output = OutputOption();
        var command = new Command("issue", "Issue a practitioner credential, signed by the board's credential-issuer key (registered on first use).")
        {
            data, practitioner, licenceNumber, speciality, validUntil, board, output,
        };
        command.SetAction(async (parse, ct) =>
        {
            var until = ParseDate(parse.GetValue(validUntil)!);
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            var registry = node.Credentials;
            var issued = await Explained(async () =>
            {
                var key = await registry.EnsureIssuerKeyAsync(parse.GetValue(board) ?? BoardNameOf(node.Config), ct);
                return await registry.IssueAsync(key, parse.GetValue(practitioner)!, new PractitionerLicence(parse.GetValue(licenceNumber)!, parse.GetValue(speciality)!), until, ct);
            });
            await Report("issued", issued, parse.GetValue(output), ct);
            return 0;
        });
        return command;
    }

    private static Command Renew()
    {
        var data = CareLedgerCli.DataOption();
        var id = new Argument<string>("ID") { Description = "The credential id (urn:uuid:...)." };
        var validUntil = ValidUntilOption();
        var output = OutputOption();
        var command = new Command("renew", "Re-issue a credential under the same id with a new validity; the earlier VC-JWT stops verifying.") { data, id, validUntil, output };
        command.SetAction(async (parse, ct) =>
        {
            var until = ParseDate(parse.GetValue(validUntil)!);
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            var registry = node.Credentials;
            var renewed = await Explained(() => registry.RenewAsync(parse.GetValue(id)!, until, ct));
            await Report("renewed", renewed, parse.GetValue(output), ct);
            return 0;
        });
        return command;
    }

    private static Command Revoke()
    {
        var data = CareLedgerCli.DataOption();
        var id = new Argument<string>("ID") { Description = "The credential id (urn:uuid:...)." };
        var reason = new Option<string>("--reason") { Description = "Why (kept by the board, never written to the ledger).", Required = true };
        var command = new Command("revoke", "Revoke a credential on the ledger, for good.") { data, id, reason };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            var registry = node.Credentials;
            var revoked = await Explained(() => registry.RevokeAsync(parse.GetValue(id)!, parse.GetValue(reason)!, ct));
            Console.WriteLine($"revoked {revoked.Id} at ledger leaf {revoked.LedgerLeaf}");
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var data = CareLedgerCli.DataOption();
        var practitioner = new Option<string?>("--practitioner") { Description = "Only this practitioner's credentials (Practitioner/<id>)." };
        var command = new Command("list", "List the board's credentials with their ledger status, newest first.") { data, practitioner };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            var registry = node.Credentials;
            var reference = parse.GetValue(practitioner);
            var credentials = await Explained(() => Task.FromResult(reference is null ? registry.List() : registry.ForPractitioner(reference)));
            foreach (var credential in credentials)
            {
                // The practitioner's own ledger key, when the credential names one (credentialSubject.ledgerKey).
                var key = PractitionerLicenceCredential.Parse(VcJwt.Parse(credential.Jwt).Payload.Span).SubjectKey;
                Console.WriteLine($"{credential.Id}  {credential.PractitionerReference}  {credential.Status.ToString().ToLowerInvariant(),-7}  valid until {FormatDate(credential.ValidUntil)}  leaf {credential.LedgerLeaf}{(key is { } k ? $"  key {k}" : "")}");
            }

            Console.Error.WriteLine($"{credentials.Count} credential(s)");
            return 0;
        });
        return command;
    }

    private static async Task<VerifyAnswer> VerifyInDataAsync(string dataDirectory, string jwt, CancellationToken ct)
    {
        await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(dataDirectory), ct);
        var verification = node.Credentials.Verify(jwt);
        return new VerifyAnswer(verification.Valid, verification.Reasons, verification.CredentialId, verification.Status?.ToString().ToLowerInvariant(),
            verification.ValidUntil is { } until ? FormatDate(until) : null, verification.LedgerLeaf);
    }

    private static async Task<VerifyAnswer> VerifyAtNodeAsync(Uri node, string jwt, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = NodeTimeout };
        using var content = new StringContent(jwt, Encoding.ASCII);
        content.Headers.ContentType = new MediaTypeHeaderValue(VcJwt.MediaType);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(new Uri(new Uri(node.AbsoluteUri.TrimEnd('/') + "/"), "credentials/verify"), content, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the node at {node}: {e.Message}");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"the node at {node} answered {(int)response.StatusCode}: {NodeAnswers.Diagnostics(body)}");
            }

            try
            {
                using var answer = JsonDocument.Parse(body);
                var root = answer.RootElement;
                return new VerifyAnswer(
                    root.GetProperty("valid").GetBoolean(),
                    [.. root.GetProperty("reasons").EnumerateArray().Select(r => r.GetString() ?? "")],
                    root.GetProperty("credentialId").GetString(),
                    root.GetProperty("status").GetString(),
                    root.GetProperty("validUntil").GetString(),
                    root.GetProperty("ledgerLeaf").ValueKind == JsonValueKind.Number ? root.GetProperty("ledgerLeaf").GetInt64() : null);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new CliException($"the node at {node} did not answer like a CareLedger node: {e.Message}");
            }
        }
    }

    private static Uri NodeUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new CliException($"--node '{text}' is not an http(s) URL of a node (e.g. http://127.0.0.1:8080)");

    private static string ReadCredentialFile(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new CliException($"credential file not found: {file.FullName}");
        }

        if (file.Length > VcJwt.MaxLength)
        {
            throw new CliException($"{file.Name} is {file.Length} bytes; a VC-JWT is at most {VcJwt.MaxLength}");
        }

        return File.ReadAllText(file.FullName).Trim();
    }

    private static async Task Report(string verb, IssuedCredential credential, FileInfo? output, CancellationToken ct)
    {
        Console.Error.WriteLine($"{verb} {credential.Id} for {credential.PractitionerReference}, valid until {FormatDate(credential.ValidUntil)}, ledger leaf {credential.LedgerLeaf}");
        if (output is null)
        {
            Console.WriteLine(credential.Jwt);
            return;
        }

        await File.WriteAllTextAsync(output.FullName, credential.Jwt + "\n", ct);
        Console.Error.WriteLine($"credential written to {output.FullName}");
    }

    /// <summary>The registry's refusals (bad input, unknown id, a state that forbids the change) as one line and exit 1.</summary>
    private static async Task<T> Explained<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or (InvalidOperationException and not ObjectDisposedException))
        {
            throw new CliException(e.Message);
        }
    }

    private static Option<string> ValidUntilOption() => new("--valid-until")
    {
        Description = "The end of validity: a date (2027-12-31, midnight UTC) or a date-time with a zone.",
        Required = true,
    };

    private static Option<FileInfo?> OutputOption() => new("--output", "-o") { Description = "Write the VC-JWT to this file instead of standard output." };

    private static DateTimeOffset ParseDate(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : throw new CliException($"--valid-until '{text}' is not a date (e.g. 2027-12-31 or 2027-12-31T12:00:00Z)");


    private static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record VerifyAnswer(bool Valid, IReadOnlyList<string> Reasons, string? CredentialId, string? Status, string? ValidUntil, long? LedgerLeaf);
}
