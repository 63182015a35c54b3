using System.Globalization;

namespace CareLedger.Fhir.Search;

/// <summary>
/// The interval a FHIR date, dateTime or instant stands for, as UTC ticks [Low, High): "2020" is the whole
/// year, "2020-10-20T19:19:03+00:00" one second. Values without a zone are read as UTC.
/// </summary>
public readonly record struct FhirDateRange(long Low, long High)
{
    public static readonly FhirDateRange Unbounded = new(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks);

    public static bool TryParse(string? text, out FhirDateRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        var inv = CultureInfo.InvariantCulture;
        if (s.Length == 4 && int.TryParse(s, NumberStyles.None, inv, out var year) && year >= 1)
        {
            var start = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            range = new(start.Ticks, start.AddYears(1).Ticks);
            return true;
        }

        if (s.Length == 7 && DateTime.TryParseExact(s, "yyyy-MM", inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var month))
        {
            range = new(month.Ticks, month.AddMonths(1).Ticks);
            return true;
        }

        if (s.Length == 10 && DateTime.TryParseExact(s, "yyyy-MM-dd", inv, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
        {
            range = new(day.Ticks, day.AddDays(1).Ticks);
            return true;
        }

        if (s.Length > 10 && s[10] == 'T'
            && DateTimeOffset.TryParse(s, inv, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            var timePart = s[11..];
            var zoneAt = timePart.IndexOfAny(['Z', '+', '-']);
            var clock = zoneAt < 0 ? timePart : timePart[..zoneAt];
            var precision = clock.Length switch
            {
                5 => TimeSpan.FromMinutes(1),
                8 => TimeSpan.FromSeconds(1),
                _ => TimeSpan.FromTicks(Math.Max(1, (long)Math.Pow(10, 7 - Math.Min(7, clock.Length - 9)))),
            };
            var low = instant.UtcTicks;
            range = new(low, low + precision.Ticks);
            return true;
        }

        return false;
    }

    /// <summary>The whole calendar year (UTC) that contains the start of <paramref name="range"/>.</summary>
    public static FhirDateRange YearOf(FhirDateRange range)
    {
        var start = new DateTime(new DateTime(range.Low, DateTimeKind.Utc).Year, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        return new(start.Ticks, start.AddYears(1).Ticks);
    }

    public static FhirDateRange Between(FhirDateRange? start, FhirDateRange? end) =>
        new(start?.Low ?? Unbounded.Low, end?.High ?? Unbounded.High);

    /// <summary>The first millisecond of the range, since the Unix epoch.</summary>
    public long StartUnixMs => (Low - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

    /// <summary>The last millisecond of the range (inclusive), since the Unix epoch.</summary>
    public long EndUnixMs => Math.Max(StartUnixMs, (High - 1 - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond);
}
