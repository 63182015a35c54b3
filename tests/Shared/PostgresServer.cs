using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CareLedger.Storage;

namespace CareLedger.Testing;

/// <summary>
/// A real, throwaway PostgreSQL server for one test process: a cluster made by initdb in a fresh temporary directory,
/// started by pg_ctl on a free port of 127.0.0.1 (its socket in that directory too, so parallel test runs never meet),
/// stopped and deleted when the process exits. initdb refuses to run as root, so as root (CI, this machine) the cluster
/// belongs to Debian's unprivileged 'postgres' user and its commands run through runuser. Each test takes its own
/// schema (<see cref="NewStore"/>), as each member of a network would. Shared by source (tests/Shared) with every test
/// project that runs a suite against both stores.
/// </summary>
internal sealed class PostgresServer
{
    public const string User = "careledger";

    private static readonly Lazy<PostgresServer> s_shared = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int s_schemas;

    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asPostgresUser;

    private PostgresServer(string bin, string root, bool asPostgresUser, int port, string password)
    {
        _bin = bin;
        _root = root;
        _asPostgresUser = asPostgresUser;
        Port = port;
        Password = password;
        ConnectionString = $"Host=127.0.0.1;Port={port};Database=postgres;Username={User};Password={password};Timeout=15";
    }

    /// <summary>The server of this test process, started on first use.</summary>
    public static PostgresServer Shared => s_shared.Value;

    public int Port { get; }

    public string Password { get; }

    /// <summary>The superuser <see cref="User"/> on database 'postgres', with password authentication over TCP.</summary>
    public string ConnectionString { get; }

    /// <summary>A new schema of its own on this server: what one node (or one test) uses.</summary>
    public PostgresStore NewStore() =>
        new(ConnectionString, $"t{Environment.ProcessId}_{Interlocked.Increment(ref s_schemas)}_{RandomNumberGenerator.GetHexString(6, lowercase: true)}");

    private static PostgresServer Start()
    {
        var bin = FindBinaries();
        var asPostgresUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("careledger-pg-").FullName;
        var password = RandomNumberGenerator.GetHexString(24, lowercase: true);
        File.WriteAllText(Path.Combine(root, "password"), password + "\n");
        if (asPostgresUser)
        {
            Run("chown", ["-R", "postgres:postgres", root], asPostgresUser: false);
        }

        var data = Path.Combine(root, "data");
        Run(Path.Combine(bin, "initdb"),
            ["-D", data, "-U", User, "--pwfile", Path.Combine(root, "password"), "--auth-local=trust", "--auth-host=scram-sha-256",
             "-E", "UTF8", "--no-locale", "--no-sync"],
            asPostgresUser);
        // A port is free when we look; another process may take it before the server binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var options = $"-h 127.0.0.1 -p {port} -k {root} -c max_connections=300 -c shared_buffers=32MB";
            var started = Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", options, "start"],
                asPostgresUser, throwOnFailure: attempt == 3);
            if (started)
            {
                var server = new PostgresServer(bin, root, asPostgresUser, port, password);
                server.StartWatchdog();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
                return server;
            }
        }
    }

    /// <summary>
    /// A shell in its own session that outlives this process: once the process is gone (however it ended, even by
    /// SIGKILL or a test host that does not wait for exit handlers) it stops the server and deletes the directory.
    /// </summary>
    private void StartWatchdog()
    {
        var stop = _asPostgresUser ? "runuser -u postgres -- " : "";
        var script = "exec </dev/null >/dev/null 2>&1; " + $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; "
            + $"{stop}'{Path.Combine(_bin, "pg_ctl")}' -D '{Path.Combine(_root, "data")}' -m immediate -w stop; rm -rf '{_root}'";
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in new[] { "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        using var watchdog = Process.Start(start)!;
    }

    private void Stop()
    {
        Run(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], _asPostgresUser, throwOnFailure: false);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by an exiting server process: the temporary directory is left to the OS.
        }
    }

    /// <summary>Debian's newest installed PostgreSQL (/usr/lib/postgresql/N/bin), installed by scripts/test.sh.</summary>
    private static string FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .ToList()
            : [];
        return versions.Count > 0
            ? Path.Combine(versions[0], "bin")
            : throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/N/bin/initdb): run scripts/test.sh, which installs Debian's 'postgresql'");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Run(string program, IReadOnlyList<string> arguments, bool asPostgresUser, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo(asPostgresUser ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        if (asPostgresUser)
        {
            foreach (var prefix in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(prefix);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {error.Result}{output.Result}");
        }

        return process.ExitCode == 0;
    }
}
