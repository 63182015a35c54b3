using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Training;
using CareLedger.Cli;
using CareLedger.Credentials;
using CareLedger.Fhir;
using CareLedger.Identity;
using CareLedger.Identity.Accounts;
using CareLedger.LedgerApi;
using CareLedger.Node;
using CareLedger.Portal;
using CareLedger.Tests.Fhir;
using CareLedger.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace CareLedger.Tests.Portal;

/// <summary>
/// A real node serving the portal on a loopback port (the node's own composition, Synthea patients imported through the
/// importer, the demo accounts seeded as <c>careledger demo</c> does) and a headless Chromium (Debian's, never a
/// downloaded one) to drive it. Shared by the portal's test classes (<see cref="Collection"/>), which run one after the other;
/// each test leaves the others what they need (its own patient for what cannot be undone).
/// </summary>
public sealed class PortalTestNode : IAsyncLifetime, IDisposable
{
    /// <summary>The portal's test classes share one node and browser (a Synthea import is worth doing once).</summary>
    public const string Collection = "portal";

    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly TempDirectory directory = new();
    private CareLedgerNode? node;
    private WebApplication? app;
    private IPlaywright? playwright;

    internal CareLedgerNode Node => node ?? throw new InvalidOperationException("the node is not started");

    public string BaseUrl { get; private set; } = string.Empty;

    public string PatientId { get; private set; } = string.Empty;

    public string PractitionerId { get; private set; } = string.Empty;

    /// <summary>A Synthea patient no consent opens to dr.bob: what he sees only by breaking the glass.</summary>
    public string UnconsentedPatientId { get; private set; } = string.Empty;

    /// <summary>The Synthea patient behind the account 'erin' (password erin-demo), who erases her records.</summary>
    public string ErinPatientId { get; private set; } = string.Empty;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>artifacts/screenshots below the repository root.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        var paths = NodePaths.For(directory.Combine("data"));
        node = await CareLedgerNode.InitializeAsync(paths, new NodeConfig { Origin = "careledger.test/portal", OrganisationName = "Test Hospital" }, CancellationToken.None,
            FhirServerOptions.Default with { ExportDirectory = directory.Combine("export") });
        var report = await node.Importer.ImportAsync([TestData.Synthea], null, CancellationToken.None);
        Assert.Empty(report.Failures);
        var seeded = await DemoAccounts.SeedAsync(node, CancellationToken.None);
        (PatientId, PractitionerId) = (seeded.PatientId, seeded.PractitionerId);
        var others = new[] { "female", "male" }.SelectMany(g => node.Fhir.FindMatches("Patient", [new("gender", g)], limit: 20))
            .Select(h => h.Id).Where(id => id != PatientId).Order(StringComparer.Ordinal).ToList();
        (UnconsentedPatientId, ErinPatientId) = (others[0], others[1]);
        await using (var accounts = await IdentityStore.OpenAsync(paths.DataDirectory, CancellationToken.None))
        {
            await accounts.AddUserAsync(new NewUser("erin", CareLedgerRole.Patient, $"Patient/{ErinPatientId}", "erin-demo"), CancellationToken.None);
        }

        app = NodeHost.Build(node, "http://127.0.0.1:0");
        await app.StartAsync();
        BaseUrl = NodeHost.BoundAddresses(app)[0].TrimEnd('/');

        playwright = await Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(playwright);
    }

    /// <summary>Debian's Chromium, headless (never a downloaded browser); the screenshot folder made ready.</summary>
    public static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: scripts/test.sh installs Debian's chromium package");
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
        return browser;
    }

    /// <summary>Services of the running node's host (its identity store, its AI).</summary>
    internal IServiceProvider Services => (app ?? throw new InvalidOperationException("the node is not started")).Services;

    /// <summary>Pima demo patients whose treatment consents name dr.bob (enough for a 5-fold cross-validation).</summary>
    public const int RiskRows = 60;

    /// <summary>A test gate (AUROC ≥ 0.5, no fairness limit): a 60-patient model is not held to the production limits.</summary>
    private static readonly GatePolicy RiskGate = new() { MinAuroc = 0.5, MaxEqualizedOddsDifference = null };

    private readonly SemaphoreSlim riskModel = new(1, 1);
    private string? riskModelId;

    internal AiServices Ai => (app ?? throw new InvalidOperationException("the node is not started")).Services.GetRequiredService<AiServices>();

    /// <summary>
    /// The node's AI on first use, as <c>careledger demo</c> sets it up: the first <see cref="RiskRows"/> Pima rows as demo
    /// patients (treatment consents naming dr.bob's practitioner), a Pima logistic model trained through the access layer
    /// and registered on the ledger. Only the risk-panel tests need it; the others keep a node without models.
    /// </summary>
    public async Task<string> EnsureRiskModelAsync()
    {
        await riskModel.WaitAsync();
        try
        {
            if (riskModelId is null)
            {
                var loader = new DemoCohortLoader(Node.Fhir, FhirCaller.Custodian(Node.Config.OrganisationName, "portal-tests-loader"));
                await loader.LoadAsync(FeatureSets.Pima, DemoCohortLoader.ReadReference(FeatureSets.Pima, AiCommands.ClinicalDataDirectory), RiskRows,
                    $"Practitioner/{PractitionerId}", null, CancellationToken.None);
                await Ai.Registry.SetPolicyAsync(RiskGate, CancellationToken.None);
                var trained = await Ai.Training.TrainAsync(ModelCommands.Researcher(Node),
                    new TrainingRequest(FeatureSets.Pima, ModelKind.LogisticRegression, "pima-portal", "1.0.0", Folds: 5), CancellationToken.None);
                riskModelId = trained.Model.Id;
            }

            return riskModelId;
        }
        finally
        {
            riskModel.Release();
        }
    }

    /// <summary>One person's own browser: a fresh context (no shared cookies), signed in through the node's login page.</summary>
    public Task<IPage> SignInAsync(string userName) => SignInAsync(Browser, BaseUrl, userName);

    /// <summary>A fresh browser context signed in to the portal at <paramref name="baseUrl"/> (password: the user name + "-demo").</summary>
    public static async Task<IPage> SignInAsync(IBrowser browser, string baseUrl, string userName)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
        var page = await context.NewPageAsync();
        // Generous for the sign-in round trip only (OpenID Connect redirects, a first Blazor render): in the full suite the
        // test process runs Chromium, nodes and other classes' servers on two cores, and one sign-in once took over 30 s.
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync("/portal");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).First.ClickAsync();
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync($"{userName}-demo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // A polling assertion on the address, not WaitForURLAsync: when the redirect has already landed, WaitForURLAsync
        // waits for the page's load event whatever WaitUntil says, and full-suite runs twice saw that event never recorded
        // after the sign-in redirect (network idle had fired) until the wait ran out. The signed-in line is what matters.
        await Assertions.Expect(page).ToHaveURLAsync($"{baseUrl}/portal", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByText($"Signed in as {userName}")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        page.SetDefaultTimeout(30_000);
        return page;
    }

    private readonly Dictionary<string, IPage> signedIn = new(StringComparer.Ordinal);

    /// <summary>One signed-in page per person, kept for tests that only look (a sign-in takes seconds on a busy machine).</summary>
    public async Task<IPage> PageOfAsync(string userName)
    {
        if (!signedIn.TryGetValue(userName, out var page))
        {
            page = userName.Length == 0 ? await AnonymousPageAsync() : await SignInAsync(userName);
            signedIn[userName] = page;
        }

        return page;
    }

    /// <summary>A browser nobody signed in to.</summary>
    public async Task<IPage> AnonymousPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>The page as the person sees it, from the top, at most <see cref="MaxScreenshotHeight"/> pixels of it.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        var height = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(ScreenshotDirectory, name + ".png"),
            FullPage = true,
            Clip = new Clip { X = 0, Y = 0, Width = width, Height = Math.Min(height, MaxScreenshotHeight) },
        });
    }

    private const int MaxScreenshotHeight = 1400;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CareLedger.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no CareLedger.slnx above {AppContext.BaseDirectory}");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (node is not null)
        {
            await node.DisposeAsync();
        }
    }

    /// <summary>After <see cref="DisposeAsync"/> (xUnit calls both on a fixture): the data directory goes last.</summary>
    public void Dispose()
    {
        riskModel.Dispose();
        directory.Dispose();
    }
}

[CollectionDefinition(PortalTestNode.Collection)]
public sealed class PortalCollection : ICollectionFixture<PortalTestNode>;
