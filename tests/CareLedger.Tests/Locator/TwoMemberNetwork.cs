using CareLedger.Access.Credentials;
using CareLedger.Consortium.LocalNetwork;
using CareLedger.Fhir;
using CareLedger.Locator;
using CareLedger.Node;
using CareLedger.Tests.Support;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Builder;
using FhirConsent = Hl7.Fhir.Model.Consent;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Locator;

/// <summary>
/// Two members of one consortium, as <c>careledger network</c> founds them (keys, a genesis approved by both, each
/// joined), sharing the network's locator key, ordered by a real nats-server (JetStream) started as a process; each member
/// is the real node host (<see cref="NodeHost"/>) in this process on its own free 127.0.0.1 port, so that tests reach
/// into a member (its credential board, its audit trail) while the members talk to each other over real HTTP.
/// </summary>
internal sealed class TwoMemberNetwork : IAsyncDisposable
{
    public const string IdentifierSystem = LocalNetwork.LocatorIdentifierSystem;

    private readonly TempDirectory directory;
    private readonly List<(CareLedgerNode Node, WebApplication App)> members = [];
    private readonly HashSet<int> stopped = [];

    private TwoMemberNetwork(TempDirectory directory, LocalNetwork network)
    {
        this.directory = directory;
        Network = network;
    }

    public LocalNetwork Network { get; }

    public CareLedgerNode this[int member] => members[member].Node;

    /// <summary>The member's host services (its identity store, its portal's services).</summary>
    public IServiceProvider Services(int member) => members[member].App.Services;

    /// <summary>Stops a member's host (its HTTP port closes), as a member that is down; the node stays open for the test.</summary>
    public async Task StopHostAsync(int member)
    {
        var app = members[member].App;
        if (stopped.Add(member))
        {
            await app.StopAsync();
        }
    }

    /// <summary>Restarts a member (host and node, on the same address), as after installing a new locator key.</summary>
    public async Task RestartAsync(int member)
    {
        var (node, app) = members[member];
        if (!stopped.Remove(member))
        {
            await app.StopAsync();
        }

        await app.DisposeAsync();
        await node.DisposeAsync();
        var reopened = await CareLedgerNode.OpenAsync(NodePaths.For(Network.MemberDataDirectory(member)), CancellationToken.None);
        var host = NodeHost.Build(reopened, Network.Layout.Members[member].Url);
        members[member] = (reopened, host);
        await host.StartAsync();
    }

    public string Url(int member) => Network.Layout.Members[member].Url;

    public string DataDirectory(int member) => Network.MemberDataDirectory(member);

    /// <summary>The member's custodian service, as the importer and the command line act.</summary>
    public FhirCaller Custodian(int member) => FhirCaller.Custodian(this[member].Config.OrganisationName, "locator-tests");

    /// <summary>A practitioner licence from the member's licensing board (its status on the shared ledger).</summary>
    public async Task LicenceAsync(int member, string practitioner, string licenceNumber)
    {
        var board = await this[member].Credentials.EnsureIssuerKeyAsync($"{this[member].Config.OrganisationName} licensing board", CancellationToken.None);
        await this[member].Credentials.IssueAsync(board, practitioner, new PractitionerLicence(licenceNumber, "general practice"), DateTimeOffset.UtcNow.AddYears(1), CancellationToken.None);
    }

    /// <summary>The patient's treatment consent naming <paramref name="practitioner"/> (written by the custodian, as the tests do).</summary>
    public static FhirConsent ConsentFor(string patientId, string practitioner, FhirConsent.ConsentState status) => new()
    {
        Status = status,
        Scope = new CodeableConcept("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy"),
        Category = [new CodeableConcept("http://loinc.org", "59284-0")],
        Patient = new ResourceReference($"Patient/{patientId}"),
        Policy = [new FhirConsent.PolicyComponent { Uri = "https://careledger.org/policy/demo" }],
        Provision = new FhirConsent.provisionComponent
        {
            Type = FhirConsent.ConsentProvisionType.Permit,
            Actor =
            [
                new FhirConsent.provisionActorComponent
                {
                    Role = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP"),
                    Reference = new ResourceReference(practitioner),
                },
            ],
            Purpose = [new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT")],
        },
    };

    public static async Task<TwoMemberNetwork> StartAsync()
    {
        var dir = new TempDirectory();
        TwoMemberNetwork? result = null;
        try
        {
            var network = LocalNetwork.Create(dir.Combine("network"), members: 2, natsServers: 1, quorum: null, checkpointIntervalMs: 100, NetworkStore.Sqlite);
            result = new TwoMemberNetwork(dir, network);
            // The network's locator key, as 'network up' hands it to every member.
            Assert.All(Enumerable.Range(0, 2), i => Assert.Equal(IdentifierSystem, LocatorKey.Load(network.MemberDataDirectory(i))!.IdentifierSystem));

            // One nats-server is enough for two members here (replicas 1): without the cluster block that a network of
            // three servers needs, since JetStream refuses to start a cluster of one.
            var nats = network.Layout.NatsServers[0];
            var configuration = network.NatsConfiguration(nats);
            var text = File.ReadAllText(configuration);
            File.WriteAllText(configuration, text[..text.IndexOf("cluster {", StringComparison.Ordinal)]);
            network.StartNats(nats);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!DetachedProcess.Accepts(nats.ClientPort))
            {
                Assert.True(DateTime.UtcNow < deadline, "nats-server did not listen within 30 s");
                await Task.Delay(100);
            }

            for (var i = 0; i < 2; i++)
            {
                var node = await CareLedgerNode.OpenAsync(NodePaths.For(network.MemberDataDirectory(i)), CancellationToken.None);
                var app = NodeHost.Build(node, network.Layout.Members[i].Url);
                result.members.Add((node, app));
                await app.StartAsync();
            }

            return result;
        }
        catch
        {
            if (result is not null)
            {
                await result.DisposeAsync();
            }
            else
            {
                dir.Dispose();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < members.Count; i++)
        {
            var (node, app) = members[i];
            if (stopped.Add(i))
            {
                await app.StopAsync();
            }

            await app.DisposeAsync();
            await node.DisposeAsync();
        }

        Network.Stop();
        directory.Dispose();
    }
}
