using System.Globalization;
using CareLedger.Access.Audit;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Search;

namespace CareLedger.AccessApi;

/// <summary>
/// The parameters of <c>GET /fhir/AuditEvent</c>: <c>patient</c>, <c>date</c> (repeatable, prefixes eq ge gt le lt),
/// <c>_count</c> (1 to <see cref="MaxCount"/>, default <see cref="DefaultCount"/>), and the privacy officer's filters
/// <c>agent</c> (the accessor's subject, as in <c>agent.altId</c>), <c>outcome</c> (<c>permit</c> or 0, <c>deny</c> or 8)
/// and <c>break-glass</c> (true or false). Anything else is a 400 naming it.
/// </summary>
internal sealed record AuditSearch(string? Patient, DateTimeOffset? From, DateTimeOffset? To, int Count, string? Agent, AuditOutcome? Outcome, bool? BreakGlass)
{
    public const int DefaultCount = 100;
    public const int MaxCount = 1000;

    private static readonly string[] Known = ["patient", "date", "_count", "agent", "outcome", "break-glass", "_format", "_pretty"];

    public static AuditSearch Parse(IQueryCollection query)
    {
        foreach (var name in query.Keys)
        {
            if (!Known.Contains(name, StringComparer.Ordinal))
            {
                throw FhirProblemException.BadRequest(
                    $"'{name}' is not a supported AuditEvent search parameter; use {string.Join(", ", Known.Take(Known.Length - 2))}");
            }
        }

        var (from, to) = Dates(query["date"]);
        return new AuditSearch(
            PatientAuthority.ParsePatient(Single(query, "patient"), "patient"),
            from,
            to,
            CountOf(Single(query, "_count")),
            AgentOf(Single(query, "agent")),
            OutcomeOf(Single(query, "outcome")),
            BreakGlassOf(Single(query, "break-glass")));
    }

    public AuditQuery ToQuery(byte[]? pseudonym) => new()
    {
        Patient = pseudonym,
        From = From,
        To = To,
        Limit = Count,
        AccessorSubject = Agent,
        Outcome = Outcome,
        BreakGlass = BreakGlass,
    };

    private static string? Single(IQueryCollection query, string name)
    {
        var values = query[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw FhirProblemException.BadRequest($"'{name}' may be given once"),
        };
    }

    /// <summary>Every date condition narrows [from, to); a FHIR date stands for its whole precision (2026-03 is March).</summary>
    private static (DateTimeOffset? From, DateTimeOffset? To) Dates(IEnumerable<string?> values)
    {
        long? from = null, to = null;
        foreach (var value in values)
        {
            var text = value ?? string.Empty;
            var prefix = text.Length > 2 && char.IsAsciiLetterLower(text[0]) && char.IsAsciiLetterLower(text[1]) ? text[..2] : "eq";
            var date = prefix == "eq" && !text.StartsWith("eq", StringComparison.Ordinal) ? text : text[2..];
            if (!FhirDateRange.TryParse(date, out var range))
            {
                throw FhirProblemException.BadRequest($"date '{text}' is not a FHIR date search such as ge2026-01-01 or lt2026-02-01T00:00:00Z");
            }

            (long? Low, long? High) bounds = prefix switch
            {
                "eq" => (range.Low, range.High),
                "ge" => (range.Low, null),
                "gt" => (range.High, null),
                "le" => (null, range.High),
                "lt" => (null, range.Low),
                _ => throw FhirProblemException.BadRequest($"date prefix '{prefix}' is not supported here; use eq, ge, gt, le or lt"),
            };
            from = bounds.Low is { } low && (from is null || low > from) ? low : from;
            to = bounds.High is { } high && (to is null || high < to) ? high : to;
        }

        return (ToInstant(from), ToInstant(to));
    }

    private static DateTimeOffset? ToInstant(long? ticks) => ticks is { } t ? new DateTimeOffset(Math.Min(t, DateTime.MaxValue.Ticks), TimeSpan.Zero) : null;

    private static int CountOf(string? text)
    {
        if (text is null)
        {
            return DefaultCount;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= MaxCount
            ? count
            : throw FhirProblemException.BadRequest($"_count must be a whole number from 1 to {MaxCount}, not '{text}'");
    }

    private static string? AgentOf(string? text) =>
        text is null || (text.Length is > 0 and <= 200 && !text.Any(char.IsControl))
            ? text
            : throw FhirProblemException.BadRequest("agent must be the accessor's subject (1 to 200 characters), as in the AuditEvent's agent.altId");

    private static AuditOutcome? OutcomeOf(string? text) => text switch
    {
        null => null,
        "permit" or "0" => AuditOutcome.Permit,
        "deny" or "8" => AuditOutcome.Deny,
        _ => throw FhirProblemException.BadRequest($"outcome must be permit (0) or deny (8), not '{text}'"),
    };

    private static bool? BreakGlassOf(string? text) => text switch
    {
        null => null,
        "true" => true,
        "false" => false,
        _ => throw FhirProblemException.BadRequest($"break-glass must be true or false, not '{text}'"),
    };
}
