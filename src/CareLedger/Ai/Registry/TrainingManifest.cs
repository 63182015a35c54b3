using System.Text.Json;
using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Registry;

/// <summary>
/// <c>DATA/models/{id}/training-data.json</c> (0600, kept by the custodian, never published): every training record in
/// training order — its salted commitment as on the ledger (hex) and the access decision that released it
/// (<c>AuditEvent/{id}</c>, whose anchored audit record names the consent that permitted the use). It recomputes the
/// card's <see cref="TrainingDataCommitment"/>, so the custodian can prove that a record was, or was not, used.
/// </summary>
public static class TrainingManifest
{
    public const string FileName = "training-data.json";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    public static byte[] ToJson(IReadOnlyList<TrainingRecord> records) =>
        JsonSerializer.SerializeToUtf8Bytes(records.Select(r => new Entry(Convert.ToHexStringLower(r.RecordCommitment), r.ConsentReference)).ToList(), s_json);

    /// <exception cref="FormatException">Not a list of records.</exception>
    public static IReadOnlyList<TrainingRecord> Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var entries = JsonSerializer.Deserialize<List<Entry>>(json, s_json) ?? throw new FormatException("the training manifest is null");
            return [.. entries.Select(e => new TrainingRecord(Convert.FromHexString(e.Commitment), e.Consent))];
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentNullException)
        {
            throw new FormatException($"{FileName} is not a list of training records: {e.Message}", e);
        }
    }

    private sealed record Entry(string Commitment, string Consent);
}
