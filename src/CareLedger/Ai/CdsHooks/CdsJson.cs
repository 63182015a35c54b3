using System.Text.Json;
using System.Text.Json.Serialization;

namespace CareLedger.Ai.CdsHooks;

/// <summary>CDS Hooks (1.0 / 2.0) JSON: camelCase members, absent when null.</summary>
internal static class CdsJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>The discovery response: <c>{"services": [...]}</c>.</summary>
internal sealed record CdsDiscovery(IReadOnlyList<CdsService> Services);

/// <summary>One service: hook, id, title, description; no prefetch (the service reads through this node's access layer).</summary>
internal sealed record CdsService(string Hook, string Id, string Title, string Description)
{
    public IReadOnlyDictionary<string, string> Prefetch { get; init; } = new Dictionary<string, string>();
}

/// <summary>A service's response: <c>{"cards": [...]}</c> (empty when there is nothing to say).</summary>
internal sealed record CdsResponse(IReadOnlyList<CdsCard> Cards);

/// <param name="Indicator"><c>info</c>, <c>warning</c> or <c>critical</c>.</param>
/// <param name="Summary">Under 140 characters, as the specification requires.</param>
/// <param name="Detail">GitHub-flavoured Markdown.</param>
internal sealed record CdsCard(string Uuid, string Summary, string Indicator, CdsSource Source, string? Detail, IReadOnlyList<CdsLink>? Links);

internal sealed record CdsSource(string Label, string? Url, CdsCoding? Topic);

internal sealed record CdsCoding(string System, string Code, string Display);

/// <param name="Type"><c>absolute</c> (a page to open) or <c>smart</c> (a SMART app launch).</param>
internal sealed record CdsLink(string Label, string Url, string Type);
