using System.Text;

namespace CareLedger.Import;

/// <summary>
/// The resume record of imports: the SHA-256 of every file whose content was fully committed, one hex line each,
/// appended and fsynced after the file's last ledger transaction. A re-run skips those files without reading them
/// again. A file interrupted half-way is imported again; what it already wrote is recognised by id and not duplicated.
/// </summary>
internal sealed class ImportState
{
    public const string FileName = "import-state.txt";

    private readonly string path;
    private readonly HashSet<string> completed;

    private ImportState(string path, HashSet<string> completed)
    {
        this.path = path;
        this.completed = completed;
    }

    public static ImportState Open(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        // A line torn by a crash is shorter than a hash: ignore it (that file is simply imported again).
        return new ImportState(path, new HashSet<string>(lines.Where(l => l.Length == 64), StringComparer.Ordinal));
    }

    /// <summary>Called by the loader thread while files in flight finish on others, hence the lock.</summary>
    public bool IsCompleted(string sha256Hex)
    {
        lock (completed)
        {
            return completed.Contains(sha256Hex);
        }
    }

    public void MarkCompleted(string sha256Hex)
    {
        lock (completed)
        {
            if (!completed.Add(sha256Hex))
            {
                return;
            }

            using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            file.Write(Encoding.ASCII.GetBytes(sha256Hex + "\n"));
            file.Flush(flushToDisk: true);
        }
    }
}
