using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace CareLedger.Tests.Support;

/// <summary>
/// Runs the real <c>careledger</c> executable (the build output copied beside the tests) as a child process,
/// so that crash tests can kill it with SIGKILL and command-line tests see real exit codes and output.
/// </summary>
internal sealed partial class CareLedgerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CareLedgerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _listening.TrySetException(new InvalidOperationException("careledger exited before listening: " + Output));
                return;
            }

            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } m)
            {
                _listening.TrySetResult(m.Groups[1].Value);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
    }

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                lock (_stderr)
                {
                    return _stdout + _stderr.ToString();
                }
            }
        }
    }

    public int Id => _process.Id;

    /// <summary>Starts <c>careledger ARGS</c> and returns once it is running (not waiting for it to end).</summary>
    public static CareLedgerProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "careledger.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        // Keep Spectre.Console from drawing live widgets into a pipe.
        info.Environment["TERM"] = "dumb";
        info.Environment["NO_COLOR"] = "1";
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var wrapper = new CareLedgerProcess(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs <c>careledger ARGS</c> to completion.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args)
    {
        await using var p = Start(args);
        using var cts = new CancellationTokenSource(timeout);
        await p._process.WaitForExitAsync(cts.Token);
        p._process.WaitForExit(); // drains the asynchronous output readers
        string stdout, stderr;
        lock (p._stdout)
        {
            stdout = p._stdout.ToString();
        }

        lock (p._stderr)
        {
            stderr = p._stderr.ToString();
        }

        return (p._process.ExitCode, stdout, stderr);
    }

    /// <summary>The base URL printed by <c>serve</c> once Kestrel is listening.</summary>
    public async Task<Uri> WaitUntilListeningAsync(TimeSpan timeout)
    {
        var url = await _listening.Task.WaitAsync(timeout);
        return new Uri(url);
    }

    public void KillHard() => _process.Kill(entireProcessTree: true); // SIGKILL: no shutdown code runs

    /// <summary>SIGTERM, as a service manager stops a node: the host stops serving and the node shuts down cleanly.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (SendSignal(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        await WaitForExitAsync(timeout);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening on (http://[^\s,]+)")]
    private static partial Regex ListeningLine();
}
