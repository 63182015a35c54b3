using System.Text.Json;

namespace CareLedger.Cli;

/// <summary>What a node's HTTP answer says, for the one line a command prints when the node refuses.</summary>
internal static class NodeAnswers
{
    /// <summary>The first issue's diagnostics of an OperationOutcome body; the body itself (cut at 200 characters) otherwise.</summary>
    public static string Diagnostics(string body)
    {
        try
        {
            using var outcome = JsonDocument.Parse(body);
            return outcome.RootElement.GetProperty("issue")[0].GetProperty("diagnostics").GetString() ?? body;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}
