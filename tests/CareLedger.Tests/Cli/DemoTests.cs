using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.Cli;

/// <summary>
/// <c>careledger demo</c> on the real executable: the first thing a new user runs must leave a node that verifies,
/// with the demo people, licence, consent and delegations in place and the AI demo ready (two models on the ledger),
/// and a second run must add nothing. Served, the tour's AI lines must work as printed: a clinician's token from
/// <c>scripts/demo-token.sh</c>, a prediction, a refusal, CDS Hooks cards and the patient's access log.
/// </summary>
public sealed class DemoTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task The_demo_node_verifies_a_second_run_changes_nothing_and_the_served_demo_predicts_as_the_tour_says()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("demo");

        var first = await CareLedgerProcess.RunAsync(Timeout, "demo", "--data", data, "--no-serve");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        Assert.Contains("dr.bob", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("AI demo", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("pima-logistic-regression@1.0.0", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("wdbc-logistic-regression@1.0.0", first.Stdout, StringComparison.Ordinal);
        var sizeAfterFirst = await VerifiedLedgerSizeAsync(data);

        var second = await CareLedgerProcess.RunAsync(Timeout, "demo", "--data", data, "--no-serve");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);

        var sizeAfterSecond = await VerifiedLedgerSizeAsync(data);
        var users = await CareLedgerProcess.RunAsync(Timeout, "user", "list", "--data", data);
        Assert.Equal(8, users.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var credentials = await CareLedgerProcess.RunAsync(Timeout, "credential", "list", "--data", data);
        Assert.True(credentials.ExitCode == 0, credentials.Stderr);
        Assert.Contains("Practitioner/", credentials.Stdout, StringComparison.Ordinal);
        // dr.bob and rita have their own keys on the ledger (pseudonymous labels), the same on the second run; dr.bob's licence names his.
        var bobKey = OwnKey(first.Stdout, "dr.bob", "practitioner");
        Assert.Equal(bobKey, OwnKey(second.Stdout, "dr.bob", "practitioner"));
        Assert.Equal(OwnKey(first.Stdout, "rita", "researcher"), OwnKey(second.Stdout, "rita", "researcher"));
        Assert.Contains($"  key {bobKey}", credentials.Stdout, StringComparison.Ordinal);
        // The second run wrote no records, licence, consent, delegation or model: only audit anchors of its reads may follow.
        Assert.True(sizeAfterSecond - sizeAfterFirst < 10, $"a second demo run must not write the demo again ({sizeAfterFirst} → {sizeAfterSecond} transactions)");
        var models = await CareLedgerProcess.RunAsync(Timeout, "model", "verify", "--data", data);
        Assert.True(models.ExitCode == 0, models.Stdout + models.Stderr);
        Assert.Contains("pima-logistic-regression@1.0.0: verified against the ledger (deployable by a signed override)", models.Stdout, StringComparison.Ordinal);

        string transaction;
        await using (var node = CareLedgerProcess.Start("demo", "--data", data, "--urls", "http://127.0.0.1:0"))
        {
            var baseUrl = await node.WaitUntilListeningAsync(Timeout);
            using var http = new HttpClient { BaseAddress = baseUrl };
            var bob = await DemoTokenAsync("dr.bob", baseUrl);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bob);

            var risk = await JsonAsync(http, "fhir/Patient/demo-pima-0001/$predict?model=pima-logistic-regression", HttpStatusCode.OK);
            var diagnosis = await JsonAsync(http, "fhir/Patient/demo-wdbc-0001/$predict?model=wdbc-logistic-regression", HttpStatusCode.OK);
            var refused = await JsonAsync(http, "fhir/Patient/demo-pima-0005/$predict?model=pima-logistic-regression", HttpStatusCode.Forbidden);
            var services = await JsonAsync(http, "cds-services", HttpStatusCode.OK);
            using var hook = await http.PostAsync("cds-services/pima-logistic-regression-patient-view", new StringContent(
                """{"hook":"patient-view","hookInstance":"1","context":{"userId":"Practitioner/x","patientId":"demo-pima-0002"}}""", Encoding.UTF8, "application/json"));
            var cards = JsonDocument.Parse(await hook.Content.ReadAsStringAsync()).RootElement;

            Assert.Equal("RiskAssessment", risk.GetProperty("resourceType").GetString());
            Assert.Equal("DiagnosticReport", diagnosis.GetProperty("resourceType").GetString());
            Assert.Equal("OperationOutcome", refused.GetProperty("resourceType").GetString());
            Assert.Equal(4, services.GetProperty("services").GetArrayLength());
            Assert.Equal(1, cards.GetProperty("cards").GetArrayLength());
            transaction = risk.GetProperty("extension").EnumerateArray()
                .Single(e => e.GetProperty("url").GetString()!.EndsWith("ai-inference-anchor", StringComparison.Ordinal))
                .GetProperty("extension").EnumerateArray().Single(e => e.GetProperty("url").GetString() == "transaction").GetProperty("valueString").GetString()!;

            using var privacy = new HttpClient { BaseAddress = baseUrl };
            privacy.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await DemoTokenAsync("priya", baseUrl));
            var log = await privacy.GetStringAsync(new Uri("fhir/AuditEvent?patient=demo-pima-0001", UriKind.Relative));
            Assert.Contains($"AI inference {risk.GetProperty("id").GetString()} by model pima-logistic-regression@1.0.0", log, StringComparison.Ordinal);

            await node.StopAsync(Timeout);
        }

        var proof = await CareLedgerProcess.RunAsync(Timeout, "model", "inference", transaction, "--data", data);
        Assert.True(proof.ExitCode == 0, proof.Stdout + proof.Stderr);
        Assert.Contains("matches the anchor at ledger leaf", proof.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The key id the demo printed for a user's own key of this role, registered under a pseudonym.</summary>
    private static string OwnKey(string stdout, string user, string role)
    {
        var match = System.Text.RegularExpressions.Regex.Match(stdout,
            $@"^\s+{System.Text.RegularExpressions.Regex.Escape(user)}\s+own {role} key ([0-9a-f]{{64}}) on the ledger \(leaf \d+, label pseudonym:[0-9a-f]{{32}}\)$",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(match.Success, $"no own {role} key for {user} in the demo's output:\n{stdout}");
        return match.Groups[1].Value;
    }

    /// <summary>Runs <c>careledger verify</c> (which checks the vault against the ledger too) and reads the transaction count.</summary>
    private static async Task<long> VerifiedLedgerSizeAsync(string data)
    {
        var verify = await CareLedgerProcess.RunAsync(Timeout, "verify", "--data", data);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        var line = verify.Stdout.Split('\n').First(l => l.Contains("transactions", StringComparison.Ordinal));
        return long.Parse(new string([.. line.Where(char.IsAsciiDigit)]), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>scripts/demo-token.sh, as the tour prints it: the SMART code flow with curl.</summary>
    private static async Task<string> DemoTokenAsync(string user, Uri baseUrl)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "scripts", "demo-token.sh"));
        info.ArgumentList.Add(user);
        info.ArgumentList.Add(baseUrl.AbsoluteUri);
        using var script = Process.Start(info)!;
        var stdout = script.StandardOutput.ReadToEndAsync();
        var stderr = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync();
        Assert.True(script.ExitCode == 0, await stderr);
        return (await stdout).Trim();
    }

    private static async Task<JsonElement> JsonAsync(HttpClient http, string path, HttpStatusCode expected)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
