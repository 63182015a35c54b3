using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace CareLedger.Consortium.LocalNetwork;

/// <summary>
/// The PostgreSQL cluster of a local network, for people trying a consortium and for the fault tests: made by Debian's
/// <c>initdb</c> when the network is created, on a port of 127.0.0.1 chosen then, started before the members by
/// <c>network up</c> and stopped after them by <c>network down</c> (<c>--purge</c> deletes it). Each member keeps its
/// state and vault in a schema of its own on it. A throwaway server (the approach of scripts/postgres-throwaway.sh),
/// never one for real data. initdb refuses to run as root, so as root the cluster belongs to Debian's unprivileged
/// <c>postgres</c> user and lives in that user's home (it may not traverse a root-only network directory).
/// </summary>
/// <param name="Directory">The cluster's directory: <c>data/</c>, <c>server.log</c>, <c>password</c>.</param>
internal sealed record LocalPostgres(string Directory, int Port)
{
    public const string User = "careledger";

    /// <summary>Where the clusters of root's networks live (the home of Debian's <c>postgres</c> user).</summary>
    private const string RootClusters = "/var/lib/postgresql/careledger-networks";

    private static bool AsPostgresUser => Environment.UserName == "root";

    private string Data => Path.Combine(Directory, "data");

    private string Log => Path.Combine(Directory, "server.log");

    /// <summary>Debian's newest installed PostgreSQL (<c>/usr/lib/postgresql/N/bin</c>), or null.</summary>
    public static string? Binaries() =>
        System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql")
                .Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault()
            : null;

    /// <summary>Makes a new cluster for network <paramref name="network"/> (initdb) and starts it.</summary>
    public static LocalPostgres Create(string networkDirectory, string network)
    {
        if (Binaries() is null)
        {
            throw new CliException("PostgreSQL is not installed (apt-get install postgresql): install it, give a server of yours with --postgres CONNECTION, or use --store sqlite");
        }

        var directory = AsPostgresUser ? Path.Combine(RootClusters, network) : Path.Combine(networkDirectory, "postgres");
        if (System.IO.Directory.Exists(directory))
        {
            throw new CliException($"{directory} already exists: a cluster of another network?");
        }

        var cluster = new LocalPostgres(directory, DetachedProcess.FreePort());
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(cluster.PasswordFile, RandomNumberGenerator.GetHexString(32, lowercase: true) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(cluster.PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        if (AsPostgresUser)
        {
            Run("chown", ["-R", "postgres:postgres", directory], asOwner: false);
        }

        cluster.RunTool("initdb", ["-D", cluster.Data, "-U", User, "--pwfile", cluster.PasswordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"]);
        cluster.Start();
        return cluster;
    }

    private string PasswordFile => Path.Combine(Directory, "password");

    /// <summary>The superuser on database <c>postgres</c>, by password over TCP: what the members' node.json hold.</summary>
    public string ConnectionString() =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Database=postgres;Username={User};Password={File.ReadAllText(PasswordFile).Trim()}";

    /// <summary>The server's pid while it runs (the first line of its postmaster.pid), else null.</summary>
    public int? Pid()
    {
        try
        {
            return IsRunning() && int.TryParse(File.ReadLines(Path.Combine(Data, "postmaster.pid")).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public bool IsRunning() => RunTool("pg_ctl", ["-D", Data, "status"], throwOnFailure: false);

    /// <summary>Starts the server unless it runs; in a session of its own, so that it outlives the command that started it.</summary>
    public void Start()
    {
        if (!IsRunning())
        {
            RunTool("pg_ctl", ["-D", Data, "-l", Log, "-w", "-t", "60", "-o", $"-h 127.0.0.1 -p {Port.ToString(CultureInfo.InvariantCulture)} -k {Directory} -c max_connections=300", "start"]);
        }
    }

    /// <summary>Stops the server (fast: open sessions are ended, committed data is safe); <paramref name="immediately"/> as after a crash.</summary>
    public void Stop(bool immediately = false)
    {
        if (IsRunning())
        {
            RunTool("pg_ctl", ["-D", Data, "-m", immediately ? "immediate" : "fast", "-w", "stop"], throwOnFailure: false);
        }
    }

    /// <summary>Stops the server and deletes the cluster.</summary>
    public void Delete()
    {
        Stop();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private bool RunTool(string tool, IReadOnlyList<string> arguments, bool throwOnFailure = true) =>
        Run(Path.Combine(Binaries() ?? throw new CliException("PostgreSQL is not installed (apt-get install postgresql)"), tool), arguments, AsPostgresUser, throwOnFailure);

    private static bool Run(string program, IReadOnlyList<string> arguments, bool asOwner, bool throwOnFailure = true)
    {
        // setsid: the server pg_ctl leaves behind is in a session of its own, not in the caller's (a terminal's Ctrl+C,
        // a test host's process group); --wait keeps pg_ctl's exit code.
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        IEnumerable<string> command = asOwner ? ["--wait", "runuser", "-u", "postgres", "--", program, .. arguments] : ["--wait", program, .. arguments];
        foreach (var argument in command)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new CliException($"could not start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new CliException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {stderr.Result.Trim()} {stdout.Result.Trim()}".Trim());
        }

        return process.ExitCode == 0;
    }
}
