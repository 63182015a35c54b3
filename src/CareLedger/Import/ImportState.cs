using System.Text;

namespace CareLedger.Import;

/// <summary>
/// The resume record of imports: the SHA-256 of every file whose content was fully committed, one hex line each,
/// appended and fsynced after the file's last ledger transaction. A re-run skips those files without reading them
/// again. A file interrupted half-way, or finished but not yet recorded when the process died, is imported again; what it
/// already wrote is recognised by id and not duplicated.
/// </summary>
/// <remarks>
/// Recording is batched (ADR 0021): the files of one group commit finish together, and one write and fsync records
/// every file finished since the last one. The first caller writes; callers arriving meanwhile only queue their line and
/// return, and the writer writes them too before it stops. <see cref="Flush"/> waits until every line is durable: the
/// import calls it before it answers.
/// </remarks>
internal sealed class ImportState
{
    public const string FileName = "import-state.txt";

    private readonly string path;
    private readonly HashSet<string> completed;
    private readonly List<string> pending = [];
    private bool writing;

    /// <summary>The record ends in a line torn by a crash: the next write starts a new line first.</summary>
    private bool torn;

    private ImportState(string path, HashSet<string> completed, bool torn)
    {
        this.path = path;
        this.completed = completed;
        this.torn = torn;
    }

    /// <summary>Durable writes of the record made so far (each one write and one fsync).</summary>
    public int Writes { get; private set; }

    public static ImportState Open(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var text = File.Exists(path) ? File.ReadAllText(path, Encoding.ASCII) : "";
        var lines = text.Split('\n');
        // A line torn by a crash is shorter than a hash: ignore it (that file is simply imported again).
        return new ImportState(path, new HashSet<string>(lines.Where(l => l.Length == 64), StringComparer.Ordinal), text.Length > 0 && text[^1] != '\n');
    }

    /// <summary>Called by the loader thread while files in flight finish on others, hence the lock.</summary>
    public bool IsCompleted(string sha256Hex)
    {
        lock (completed)
        {
            return completed.Contains(sha256Hex);
        }
    }

    /// <summary>
    /// Records a file as completed: durably before this returns, unless a write of the record is under way on another
    /// thread, which then writes this line too (<see cref="Flush"/> waits for it).
    /// </summary>
    public void MarkCompleted(string sha256Hex)
    {
        lock (completed)
        {
            if (!completed.Add(sha256Hex))
            {
                return;
            }

            pending.Add(sha256Hex);
            if (writing)
            {
                return;
            }

            writing = true;
        }

        WritePending();
    }

    /// <summary>Returns once every file marked completed so far is durably recorded; throws if the record cannot be written.</summary>
    public void Flush()
    {
        lock (completed)
        {
            while (writing)
            {
                Monitor.Wait(completed);
            }

            if (pending.Count == 0)
            {
                return;
            }

            writing = true;
        }

        WritePending();
    }

    /// <summary><see cref="Flush"/> on a path that is failing anyway: a line not written means that file is imported again.</summary>
    public void TryFlush()
    {
        try
        {
            Flush();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The writer's turn (<see cref="writing"/> set by the caller): writes batches until none is left.</summary>
    private void WritePending()
    {
        while (true)
        {
            string[] lines;
            lock (completed)
            {
                if (pending.Count == 0)
                {
                    writing = false;
                    Monitor.PulseAll(completed);
                    return;
                }

                lines = [.. pending];
                pending.Clear();
            }

            try
            {
                using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
                file.Write(Encoding.ASCII.GetBytes((torn ? "\n" : "") + string.Concat(lines.Select(l => l + "\n"))));
                file.Flush(flushToDisk: true);
                torn = false;
                Writes++;
            }
            catch
            {
                lock (completed)
                {
                    // Kept for the next writer (or the import's final Flush, which then fails as this write did).
                    pending.InsertRange(0, lines);
                    writing = false;
                    Monitor.PulseAll(completed);
                }

                throw;
            }
        }
    }
}
