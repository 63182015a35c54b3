using System.Net.Http.Json;
using System.Text.Json;

namespace CareLedger.Consortium.LocalNetwork;

/// <summary>What a member's /health says, as <c>network status</c> and <c>network up</c> read it.</summary>
internal sealed record MemberHealth(string Status, long Size, long CommittedSize, long OwnCheckpointSize, ulong StreamSequence, bool Connected, IReadOnlyList<string> Alarms)
{
    /// <summary>The member's health, or null when it does not answer.</summary>
    public static async Task<MemberHealth?> ReadAsync(HttpClient http, MemberSpec member, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(member.Url + "/health"), ct);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            var consortium = body.TryGetProperty("consortium", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
            return new MemberHealth(
                body.GetProperty("status").GetString() ?? "?",
                body.GetProperty("size").GetInt64(),
                consortium.ValueKind == JsonValueKind.Object ? consortium.GetProperty("committedSize").GetInt64() : 0,
                consortium.ValueKind == JsonValueKind.Object ? consortium.GetProperty("ownCheckpointSize").GetInt64() : 0,
                consortium.ValueKind == JsonValueKind.Object ? consortium.GetProperty("streamSequence").GetUInt64() : 0,
                consortium.ValueKind == JsonValueKind.Object && consortium.GetProperty("connected").GetBoolean(),
                body.TryGetProperty("alarms", out var alarms) ? [.. alarms.EnumerateArray().Select(a => a.GetProperty("description").GetString() ?? "")] : []);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }
}
