using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CareLedger.Consortium.LocalNetwork;

/// <summary>
/// Processes of a local network that outlive the command that started them: started in their own session
/// (<c>setsid</c>, so a terminal's Ctrl+C does not reach them), output appended to a log file, their pid written to a
/// pid file. Signals go only to pids recorded in those files, and only while the process still names its files
/// on its command line (a pid reused by another program is left alone).
/// </summary>
internal static class DetachedProcess
{
    /// <summary>Starts <paramref name="program"/> detached; returns its pid once its pid file exists.</summary>
    public static int Start(string program, IReadOnlyList<string> arguments, string logFile, string pidFile)
    {
        File.Delete(pidFile);
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var argument in new[] { "-f", "sh", "-c", $"echo $$ > '{pidFile}'; exec \"$0\" \"$@\" >> '{logFile}' 2>&1 < /dev/null", program }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using (var launcher = Process.Start(start) ?? throw new CliException($"could not start {program}"))
        {
            launcher.WaitForExit();
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (ReadPid(pidFile) is { } pid)
            {
                return pid;
            }

            Thread.Sleep(20);
        }

        throw new CliException($"{program} did not start (no pid in {pidFile}); see {logFile}");
    }

    public static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The pid in <paramref name="pidFile"/> if that process is alive and its command line mentions <paramref name="marker"/>.</summary>
    public static int? Running(string pidFile, string marker)
    {
        if (ReadPid(pidFile) is not { } pid)
        {
            return null;
        }

        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            var state = File.ReadAllLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal)) ?? "";
            return commandLine.Contains(marker, StringComparison.Ordinal) && !state.Contains("zombie", StringComparison.Ordinal) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Sends a signal (TERM, KILL, STOP, CONT) with the system's kill command.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false, RedirectStandardError = true })!;
        kill.WaitForExit();
    }

    /// <summary>Asks the process to stop (SIGTERM), then kills it (SIGKILL) if it is still there after <paramref name="grace"/>.</summary>
    public static void Stop(string pidFile, string marker, TimeSpan grace)
    {
        if (Running(pidFile, marker) is not { } pid)
        {
            File.Delete(pidFile);
            return;
        }

        Signal(pid, "CONT");
        Signal(pid, "TERM");
        var deadline = DateTime.UtcNow + grace;
        while (Running(pidFile, marker) is not null && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        if (Running(pidFile, marker) is not null)
        {
            Signal(pid, "KILL");
        }

        File.Delete(pidFile);
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
