using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

using CareLedger.Node;

namespace CareLedger.Consortium.LocalNetwork;

/// <summary>
/// A consortium network on this machine for people to try and for the fault tests to break (<c>careledger network
/// up|down|status</c>): three (or N) clustered nats-servers with JetStream and N members, each a <c>careledger serve</c>
/// process with its own data directory, all on 127.0.0.1 on ports chosen free when the network is created.
/// </summary>
internal sealed class LocalNetwork(string directory, NetworkLayout layout)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    /// <summary>The identifier system that names a patient across a local network (the demo data's US SSN).</summary>
    public const string LocatorIdentifierSystem = "http://hl7.org/fhir/sid/us-ssn";

    public string Directory { get; } = Path.GetFullPath(directory);

    public NetworkLayout Layout { get; } = layout;

    public static LocalNetwork? Open(string directory) =>
        NetworkLayout.Load(directory) is { } layout ? new LocalNetwork(directory, layout) : null;

    /// <summary>
    /// Creates a network in an empty <paramref name="directory"/>: ports, nats-server configurations, the store, each
    /// member's keys, a genesis approved by every founder and sealed by the first, and each member joined to it.
    /// </summary>
    /// <param name="store">Where the members keep their state and vault: <see cref="NetworkStore.OwnPostgres"/> (a
    /// PostgreSQL cluster of the network's own), <see cref="NetworkStore.Postgres"/> (the server <paramref name="postgres"/>)
    /// or <see cref="NetworkStore.Sqlite"/> (files in each member's data directory). On PostgreSQL each member has a schema of its own.</param>
    public static LocalNetwork Create(string directory, int members, int natsServers, int? quorum, int checkpointIntervalMs, NetworkStore store, string? postgres = null)
    {
        var root = Path.GetFullPath(directory);
        if (File.Exists(NetworkLayout.PathIn(root)))
        {
            throw new CliException($"{root} already holds a network");
        }

        if ((store == NetworkStore.Postgres) != (postgres is not null))
        {
            throw new ArgumentException("a PostgreSQL connection string goes with NetworkStore.Postgres, and only with it", nameof(postgres));
        }

        var created = !System.IO.Directory.Exists(root);
        System.IO.Directory.CreateDirectory(root);
        var network = "local-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        LocalPostgres? cluster = null;
        try
        {
            cluster = store == NetworkStore.OwnPostgres ? LocalPostgres.Create(root, network) : null;
            var layout = new NetworkLayout(
                network,
                $"careledger.local/{network}",
                [.. Enumerable.Range(1, natsServers).Select(i => new NatsServerSpec($"n{i}", DetachedProcess.FreePort(), DetachedProcess.FreePort(), DetachedProcess.FreePort()))],
                [.. Enumerable.Range(1, members).Select(i => new MemberSpec($"member{i}.local", $"Member {i} Health", DetachedProcess.FreePort()))],
                cluster);
            var result = new LocalNetwork(root, layout);
            result.WriteNatsConfigurations();

            var founders = layout.Members.Select(m => Founding.CreateMember(NetworkLayout.MemberDirectory(root, m), m.Name, m.Organisation)).ToList();
            var draft = Founding.Draft(layout.Origin, network, quorum, Cli.ConsortiumCommands.DefaultCheckpointEvery, checkpointIntervalMs, founders);
            draft = layout.Members.Aggregate(draft, (d, m) => Founding.Approve(d, NetworkLayout.MemberDirectory(root, m)));
            var genesis = Founding.Seal(draft, NetworkLayout.MemberDirectory(root, layout.Members[0]));
            File.WriteAllBytes(NetworkLayout.GenesisPath(root), genesis.Encoded.ToArray());
            var replicas = Math.Min(3, natsServers);
            var server = cluster?.ConnectionString() ?? postgres;
            // Every member holds the network's record-locator key (ADR 0009); the Synthea demo data names patients by SSN.
            var locatorKey = Locator.LocatorKey.Create(LocatorIdentifierSystem);
            foreach (var member in layout.Members)
            {
                Founding.Join(NetworkLayout.MemberDirectory(root, member), genesis, layout.NatsUrls, replicas, server,
                    server is null ? null : NodeConfig.DefaultSchema($"{network} {member.Name}"));
                locatorKey.SaveTo(NetworkLayout.MemberDirectory(root, member));
            }

            layout.Save(root);
            return result;
        }
        catch
        {
            // Nothing half made stays behind: a second 'up' starts from scratch.
            cluster?.Delete();
            if (created)
            {
                System.IO.Directory.Delete(root, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Starts every nats-server and member that is not running; returns how many processes it started.</summary>
    public int Start(TimeSpan timeout)
    {
        var started = 0;
        if (Layout.Postgres is { } postgres && !postgres.IsRunning())
        {
            postgres.Start();
            started++;
        }

        foreach (var server in Layout.NatsServers)
        {
            if (DetachedProcess.Running(NatsPidFile(server), NatsConfiguration(server)) is null)
            {
                DetachedProcess.Start(NatsServerExecutable(), ["-c", NatsConfiguration(server)], NatsLogFile(server), NatsPidFile(server));
                started++;
            }
        }

        WaitFor("the NATS servers to listen", () => Layout.NatsServers.All(s => DetachedProcess.Accepts(s.ClientPort)), timeout);
        foreach (var member in Layout.Members)
        {
            if (DetachedProcess.Running(MemberPidFile(member), NetworkLayout.MemberDirectory(Directory, member)) is null)
            {
                StartMember(member);
                started++;
            }
        }

        return started;
    }

    /// <summary>Stops members first (so that they drain and sign what is due), then the nats-servers, then the network's PostgreSQL.</summary>
    public void Stop()
    {
        Parallel.ForEach(Layout.Members, member => DetachedProcess.Stop(MemberPidFile(member), NetworkLayout.MemberDirectory(Directory, member), StopGrace));
        Parallel.ForEach(Layout.NatsServers, server => DetachedProcess.Stop(NatsPidFile(server), NatsConfiguration(server), StopGrace));
        Layout.Postgres?.Stop();
    }

    /// <summary>Stops everything and deletes the network's directory and its PostgreSQL cluster.</summary>
    public void Purge()
    {
        Stop();
        Layout.Postgres?.Delete();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>Stops one member gracefully (SIGTERM, then SIGKILL after the grace period).</summary>
    public void StopMember(int index) =>
        DetachedProcess.Stop(MemberPidFile(Layout.Members[index]), NetworkLayout.MemberDirectory(Directory, Layout.Members[index]), StopGrace);

    public string MemberDataDirectory(int index) => NetworkLayout.MemberDirectory(Directory, Layout.Members[index]);

    public int? MemberPid(int index) => DetachedProcess.Running(MemberPidFile(Layout.Members[index]), NetworkLayout.MemberDirectory(Directory, Layout.Members[index]));

    public int? NatsPid(int index) => DetachedProcess.Running(NatsPidFile(Layout.NatsServers[index]), NatsConfiguration(Layout.NatsServers[index]));

    public string MemberLog(MemberSpec member) => Path.Combine(Directory, "members", member.Name + ".log");

    public void StartMember(MemberSpec member)
    {
        var (program, prefix) = Self();
        DetachedProcess.Start(program, [.. prefix, "serve", "--data", NetworkLayout.MemberDirectory(Directory, member), "--urls", member.Url], MemberLog(member), MemberPidFile(member));
    }

    public void StartNats(NatsServerSpec server) =>
        DetachedProcess.Start(NatsServerExecutable(), ["-c", NatsConfiguration(server)], NatsLogFile(server), NatsPidFile(server));

    /// <summary>Waits until every member answers /health with a commit point (the network works end to end).</summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        for (var i = 0; i < Layout.Members.Count; i++)
        {
            var member = Layout.Members[i];
            while (true)
            {
                var health = await MemberHealth.ReadAsync(http, member, ct);
                if (health is { CommittedSize: > 0 })
                {
                    break;
                }

                if (MemberPid(i) is null)
                {
                    throw new CliException($"member {member.Name} exited: {LastLines(MemberLog(member))}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new CliException($"member {member.Name} is not serving after {timeout.TotalSeconds:F0} s ({health?.Status ?? "no answer"}); see {MemberLog(member)}: {LastLines(MemberLog(member))}");
                }

                await Task.Delay(200, ct);
            }
        }
    }

    private static string LastLines(string log)
    {
        try
        {
            return string.Join(" / ", File.ReadLines(log).TakeLast(4));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public string NatsConfiguration(NatsServerSpec server) => Path.Combine(NetworkLayout.NatsDirectory(Directory), server.Name + ".conf");

    private string NatsPidFile(NatsServerSpec server) => Path.Combine(NetworkLayout.NatsDirectory(Directory), server.Name + ".pid");

    public string NatsLogFile(NatsServerSpec server) => Path.Combine(NetworkLayout.NatsDirectory(Directory), server.Name + ".log");

    private string MemberPidFile(MemberSpec member) => Path.Combine(Directory, "members", member.Name + ".pid");

    private void WriteNatsConfigurations()
    {
        var natsDirectory = NetworkLayout.NatsDirectory(Directory);
        System.IO.Directory.CreateDirectory(natsDirectory);
        foreach (var server in Layout.NatsServers)
        {
            var routes = Layout.NatsServers.Where(s => s != server).Select(s => $"nats://127.0.0.1:{s.ClusterPort}");
            var text = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"# nats-server {server.Name} of CareLedger network {Layout.Network} (written by 'careledger network up')")
                .AppendLine(CultureInfo.InvariantCulture, $"server_name: {server.Name}")
                .AppendLine(CultureInfo.InvariantCulture, $"listen: 127.0.0.1:{server.ClientPort}")
                .AppendLine(CultureInfo.InvariantCulture, $"http: 127.0.0.1:{server.MonitorPort}")
                .AppendLine(CultureInfo.InvariantCulture, $"jetstream {{ store_dir: {JsonSerializer.Serialize(Path.Combine(natsDirectory, server.Name))} }}")
                .AppendLine(CultureInfo.InvariantCulture, $"cluster {{")
                .AppendLine(CultureInfo.InvariantCulture, $"  name: {Layout.Network}")
                .AppendLine(CultureInfo.InvariantCulture, $"  listen: 127.0.0.1:{server.ClusterPort}")
                .AppendLine(CultureInfo.InvariantCulture, $"  routes: [{string.Join(", ", routes)}]")
                .AppendLine("}")
                .ToString();
            File.WriteAllText(NatsConfiguration(server), text);
        }
    }

    /// <summary>How to run this very executable again: the apphost, or <c>dotnet careledger.dll</c>.</summary>
    private static (string Program, string[] Prefix) Self()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? (process, [typeof(LocalNetwork).Assembly.Location])
            : (process, []);
    }

    private static string NatsServerExecutable() =>
        File.Exists("/usr/sbin/nats-server") ? "/usr/sbin/nats-server"
        : File.Exists("/usr/bin/nats-server") ? "/usr/bin/nats-server"
        : throw new CliException("nats-server is not installed (Debian: apt-get install nats-server)");

    private static void WaitFor(string what, Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new CliException($"timed out waiting for {what}");
            }

            Thread.Sleep(50);
        }
    }
}
