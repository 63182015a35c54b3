using System.Diagnostics;
using System.Globalization;

namespace CareLedger.Consortium.LocalNetwork;

/// <summary>
/// CPU time (user + system) consumed so far by a local network's processes, by role: the members, the nats-servers,
/// the PostgreSQL cluster (the postmaster, its live backends and what its ended children used), and the calling
/// process (the load generator). On a shared machine CPU per transaction is steadier than wall-clock rates.
/// Linux only (<c>/proc</c>); a process that is gone reads as zero.
/// </summary>
internal sealed record NetworkCpu(TimeSpan Members, TimeSpan Nats, TimeSpan Postgres, TimeSpan LoadGenerator)
{
    /// <summary>The kernel's USER_HZ: the unit of the times in <c>/proc/PID/stat</c> (100 on every Linux we run on).</summary>
    private const double TicksPerSecond = 100;

    public TimeSpan Network => Members + Nats + Postgres;

    public static NetworkCpu Read(LocalNetwork network)
    {
        var members = Enumerable.Range(0, network.Layout.Members.Count).Sum(i => network.MemberPid(i) is { } pid ? Ticks(pid, withChildren: false) : 0);
        var nats = Enumerable.Range(0, network.Layout.NatsServers.Count).Sum(i => network.NatsPid(i) is { } pid ? Ticks(pid, withChildren: false) : 0);
        var postgres = network.Layout.Postgres?.Pid() is { } postmaster
            ? Ticks(postmaster, withChildren: true) + ChildrenOf(postmaster).Sum(child => Ticks(child, withChildren: false))
            : 0;
        using var self = Process.GetCurrentProcess();
        return new NetworkCpu(Seconds(members), Seconds(nats), Seconds(postgres), self.TotalProcessorTime);
    }

    public static NetworkCpu operator -(NetworkCpu after, NetworkCpu before) =>
        new(after.Members - before.Members, after.Nats - before.Nats, after.Postgres - before.Postgres, after.LoadGenerator - before.LoadGenerator);

    private static TimeSpan Seconds(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);

    /// <summary>utime + stime (fields 14 and 15), and with children cutime + cstime (16, 17) of ended children it waited for.</summary>
    private static long Ticks(int pid, bool withChildren)
    {
        if (Fields(pid) is not { } fields)
        {
            return 0;
        }

        // Counted from the field after the command name (field 3 is fields[0]).
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return withChildren ? ticks + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture) : ticks;
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Fields(pid) is { } fields && fields[1] == parent.ToString(CultureInfo.InvariantCulture))
            {
                yield return pid;
            }
        }
    }

    /// <summary>The fields of <c>/proc/PID/stat</c> after the command name (which may hold spaces and parentheses).</summary>
    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
