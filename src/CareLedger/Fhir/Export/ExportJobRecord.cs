using System.Text.Json;
using CareLedger.IO;

namespace CareLedger.Fhir.Export;

/// <summary>
/// <c>DATA/export/{job}/job.json</c>: what a bulk export job is, so that it outlives a restart of the node. Written
/// atomically (mode 0600) when the job starts and when it ends. On start, a job whose record has an end is served again
/// until it expires; one without an end was interrupted and is kept as failed, so that its client is told so rather than
/// "no such job"; a folder without a record is removed. <see cref="Owner"/> is the opaque subject of the caller who
/// kicked it off (only they may poll, download or cancel it).
/// </summary>
public sealed record ExportJobRecord(
    string Id, string Request, DateTimeOffset TransactionTime, string Owner, DateTimeOffset? CompletedAt, string? Error, IReadOnlyList<ExportFile> Files)
{
    public const string FileName = "job.json";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, s_json);

    /// <summary>The record in a job folder; null if there is none or it cannot be read (the folder is then removed).</summary>
    public static ExportJobRecord? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ExportJobRecord>(File.ReadAllBytes(path), s_json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(string directory) => SecureFile.WriteAllBytes(Path.Combine(directory, FileName), ToJson());
}
