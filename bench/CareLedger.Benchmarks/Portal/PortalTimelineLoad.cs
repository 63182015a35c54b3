using System.Globalization;
using CareLedger.Cli;
using CareLedger.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace CareLedger.Benchmarks.Portal;

/// <summary>
/// Page load of the portal's patient timeline (issue 7), in a real browser: Debian's Chromium, headless, driven by
/// Playwright, against the node's own host on loopback, loaded with the Synthea demo patients and accounts exactly as
/// <c>careledger demo</c> loads them. alice (a Synthea patient) opens "My records" N times; dr.bob opens her chart N
/// times. Each figure is the browser's own navigation timing (start of navigation to the end of the load event):
/// server-side rendering through the access layer (the patient read and six audited searches, every record decided
/// and decrypted), transfer and layout. A warm-up of a few loads comes first.
/// Run: dotnet run -c Release --project bench/CareLedger.Benchmarks -- portal [--loads 50]
/// </summary>
internal static class PortalTimelineLoad
{
    private const string Chromium = "/usr/bin/chromium";

    public static async Task<int> RunAsync(string[] args)
    {
        var at = Array.IndexOf(args, "--loads");
        var loads = at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 50;
        if (!File.Exists(Chromium))
        {
            Console.Error.WriteLine($"{Chromium} is missing: install Debian's chromium package (scripts/test.sh does)");
            return 1;
        }

        var directory = Directory.CreateTempSubdirectory("careledger-portal-bench-").FullName;
        try
        {
            await using var node = await CareLedgerNode.InitializeAsync(NodePaths.For(Path.Combine(directory, "data")),
                new NodeConfig { Origin = "bench.careledger.local/portal", OrganisationName = "Demo General Hospital" }, CancellationToken.None);
            var report = await node.Importer.ImportAsync([DemoCommand.DemoDataDirectory], null, CancellationToken.None);
            var seeded = await DemoAccounts.SeedAsync(node, CancellationToken.None);
            Console.WriteLine($"node: {report.ResourcesCreated:N0} Synthea resources imported; alice is Patient/{seeded.PatientId}, dr.bob Practitioner/{seeded.PractitionerId}");

            var app = NodeHost.Build(node, "http://127.0.0.1:0");
            await app.StartAsync();
            try
            {
                var baseUrl = NodeHost.BoundAddresses(app)[0].TrimEnd('/');
                using var playwright = await Playwright.CreateAsync();
                await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = Chromium,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                });

                var alice = await SignInAsync(browser, baseUrl, "alice");
                var rows = await MeasureAsync(alice, "/portal/records", loads, "alice: My records (patient timeline)");
                var bob = await SignInAsync(browser, baseUrl, "dr.bob");
                await MeasureAsync(bob, $"/portal/patients/{seeded.PatientId}", loads, "dr.bob: alice's chart (under her consent)");
                Console.WriteLine($"the timeline shows {rows} records of alice, with charts of her vital signs");
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<IPage> SignInAsync(IBrowser browser, string baseUrl, string user)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/portal/signin");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password").FillAsync($"{user}-demo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync($"{baseUrl}/portal");
        return page;
    }

    /// <returns>The number of timeline rows the page showed.</returns>
    private static async Task<int> MeasureAsync(IPage page, string path, int loads, string what)
    {
        for (var i = 0; i < 3; i++)
        {
            await page.GotoAsync(path);
        }

        var times = new List<double>(loads);
        for (var i = 0; i < loads; i++)
        {
            var response = await page.GotoAsync(path);
            if (response is not { Status: 200 } || await page.Locator("tr[data-kind]").CountAsync() == 0)
            {
                throw new InvalidOperationException($"{path} did not show the timeline (status {response?.Status})");
            }

            times.Add(await page.EvaluateAsync<double>("() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }"));
        }

        times.Sort();
        double At(double q) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(q * times.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {loads} loads, median {At(0.5):F1} ms, p95 {At(0.95):F1} ms, max {times[^1]:F1} ms"));
        return await page.Locator("tr[data-kind]").CountAsync();
    }
}
