using System.Globalization;

namespace CareLedger.Consent.Model;

/// <summary>A FHIR dateTime read as the span of instants it denotes at its precision.</summary>
internal readonly record struct FhirDateTime(DateTimeOffset First, DateTimeOffset FirstAfter)
{
    public static FhirDateTime Parse(string value, TimeSpan dateOnlyOffset)
    {
        ArgumentNullException.ThrowIfNull(value);
        try
        {
            return ParseAnyPrecision(value, dateOnlyOffset);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw Invalid(value, "outside the representable range of instants");
        }
    }

    private static FhirDateTime ParseAnyPrecision(string value, TimeSpan dateOnlyOffset)
    {
        switch (value.Length)
        {
            case 4:
                var yearStart = new DateTimeOffset(ReadNumber(value, 0, 4), 1, 1, 0, 0, 0, dateOnlyOffset);
                return new FhirDateTime(yearStart, yearStart.AddYears(1));
            case 7:
                Expect(value, 4, '-');
                var monthStart = new DateTimeOffset(ReadNumber(value, 0, 4), ReadMonth(value), 1, 0, 0, 0, dateOnlyOffset);
                return new FhirDateTime(monthStart, monthStart.AddMonths(1));
            case 10:
                var dayStart = new DateTimeOffset(ReadDate(value), TimeOnly.MinValue, dateOnlyOffset);
                return new FhirDateTime(dayStart, dayStart.AddDays(1));
            default:
                return ParseFull(value);
        }
    }

    // yyyy-MM-ddThh:mm:ss[.fff...](Z|+hh:mm|-hh:mm): FHIR requires the zone whenever a time is given.
    private static FhirDateTime ParseFull(string value)
    {
        if (value.Length < 20 || value[10] != 'T')
        {
            throw Invalid(value, "expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a zone");
        }

        var date = ReadDate(value);
        Expect(value, 13, ':');
        Expect(value, 16, ':');
        var hour = ReadNumber(value, 11, 2);
        var minute = ReadNumber(value, 14, 2);
        var second = ReadNumber(value, 17, 2);
        if (hour > 23 || minute > 59 || second > 59)
        {
            throw Invalid(value, "time of day out of range");
        }

        var position = 19;
        long fractionTicks = 0;
        long unitTicks = TimeSpan.TicksPerSecond;
        if (value[position] == '.')
        {
            var digits = 0;
            position++;
            while (position < value.Length && char.IsAsciiDigit(value[position]))
            {
                // Precision finer than a tick (100 ns) cannot be represented; it only narrows the unit to one tick.
                if (digits < 7)
                {
                    unitTicks /= 10;
                    fractionTicks += (value[position] - '0') * unitTicks;
                }

                digits++;
                position++;
            }

            if (digits == 0)
            {
                throw Invalid(value, "a decimal point must be followed by digits");
            }
        }

        var offset = ReadZone(value, position);
        var first = new DateTimeOffset(date, new TimeOnly(hour, minute, second), offset).AddTicks(fractionTicks);
        return new FhirDateTime(first, first.AddTicks(unitTicks));
    }

    private static TimeSpan ReadZone(string value, int position)
    {
        if (position == value.Length - 1 && value[position] == 'Z')
        {
            return TimeSpan.Zero;
        }

        if (position + 6 != value.Length || (value[position] != '+' && value[position] != '-') || value[position + 3] != ':')
        {
            throw Invalid(value, "the time must end with Z or a zone offset +hh:mm / -hh:mm");
        }

        var zone = new TimeSpan(ReadNumber(value, position + 1, 2), ReadNumber(value, position + 4, 2), 0);
        if (zone > TimeSpan.FromHours(14))
        {
            throw Invalid(value, "zone offset beyond 14:00");
        }

        return value[position] == '-' ? -zone : zone;
    }

    private static DateOnly ReadDate(string value)
    {
        Expect(value, 4, '-');
        Expect(value, 7, '-');
        var year = ReadNumber(value, 0, 4);
        var month = ReadMonth(value);
        var day = ReadNumber(value, 8, 2);
        if (day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            throw Invalid(value, "day out of range for its month");
        }

        return new DateOnly(year, month, day);
    }

    private static int ReadMonth(string value)
    {
        var month = ReadNumber(value, 5, 2);
        return month is >= 1 and <= 12 ? month : throw Invalid(value, "month out of range");
    }

    private static int ReadNumber(string value, int start, int length)
    {
        var span = value.AsSpan(start, length);
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                throw Invalid(value, $"expected digits at position {start}");
            }
        }

        var number = int.Parse(span, NumberStyles.None, CultureInfo.InvariantCulture);
        return length == 4 && number == 0 ? throw Invalid(value, "year 0000 does not exist") : number;
    }

    private static void Expect(string value, int position, char expected)
    {
        if (value[position] != expected)
        {
            throw Invalid(value, $"expected '{expected}' at position {position}");
        }
    }

    private static FormatException Invalid(string value, string why) =>
        new($"'{value}' is not a FHIR dateTime: {why}.");
}
