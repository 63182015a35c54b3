using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace CareLedger.Ledger.Tests.Consortium.Ordering;

/// <summary>A real single nats-server with JetStream on a free loopback port and a temporary store, for one test class.</summary>
public sealed class NatsServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(15);

    private readonly string storeDirectory = Path.Combine(Path.GetTempPath(), "careledger-nats-" + Guid.NewGuid().ToString("N"));
    private Process? server;

    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var port = FreePort();
        Directory.CreateDirectory(storeDirectory);
        var start = new ProcessStartInfo(ServerExecutable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-js", "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", storeDirectory })
            start.ArgumentList.Add(argument);
        server = Process.Start(start) ?? throw new InvalidOperationException("nats-server did not start.");
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        Url = $"nats://127.0.0.1:{port}";

        var deadline = DateTime.UtcNow + StartDeadline;
        while (true)
        {
            if (server.HasExited)
                throw new InvalidOperationException($"nats-server exited with code {server.ExitCode} before accepting connections.");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            if (!server.HasExited)
                server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }

        if (Directory.Exists(storeDirectory))
            Directory.Delete(storeDirectory, recursive: true);
    }

    private static string ServerExecutable() =>
        File.Exists("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
