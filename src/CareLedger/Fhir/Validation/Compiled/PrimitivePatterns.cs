using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Validation.Compiled;

/// <summary>
/// Hand-written matches for the R4 regexes of the primitives whose values do not recur (ids, strings, dates, date-times,
/// instants), which Firely's <c>RegExValidator</c> answered one by one (a converted value, a regex match and a result
/// report for each). A check applies only to the exact pattern text it was written for and to the primitive type it
/// belongs to (a changed specification package falls back to Firely's answer), and it can only say "it matches": false
/// means "ask Firely". <c>PrimitivePatternTests</c> proves each check equal to <c>Regex.IsMatch("^" + pattern + "$")</c>
/// over many generated strings, and that Firely's own <c>RegExValidator</c> accepts every value the check accepts.
/// </summary>
internal static class PrimitivePatterns
{
    internal const string IdPattern = @"[A-Za-z0-9\-\.]{1,64}";
    internal const string StringPattern = @"[ \r\n\t\S]+";

    /// <summary>The pattern Firely's schemas check a string's value against (not the StructureDefinition's regex extension).</summary>
    internal const string AnyStringPattern = @"[\r\n\t\u0020-\uFFFF]*";
    internal const string DatePattern = @"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?";
    internal const string DateTimePattern = @"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?";
    internal const string InstantPattern = @"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))";

    /// <summary>True only if the pattern is one of those above, the primitive is of its type, and the value matches it.</summary>
    public static bool Matches(string pattern, PrimitiveType primitive, string value)
    {
        var type = primitive.GetType();
        return type == typeof(Id) ? string.Equals(pattern, IdPattern, StringComparison.Ordinal) && IsId(value)
            : type == typeof(FhirString) ? (string.Equals(pattern, AnyStringPattern, StringComparison.Ordinal) && IsAnyString(value))
                || (string.Equals(pattern, StringPattern, StringComparison.Ordinal) && IsString(value))
            : type == typeof(Date) ? string.Equals(pattern, DatePattern, StringComparison.Ordinal) && IsDate(value)
            : type == typeof(FhirDateTime) ? string.Equals(pattern, DateTimePattern, StringComparison.Ordinal) && IsDateTime(value)
            : type == typeof(Instant) && string.Equals(pattern, InstantPattern, StringComparison.Ordinal) && IsInstant(value);
    }

    /// <summary><c>[A-Za-z0-9\-\.]{1,64}</c>, the whole value.</summary>
    internal static bool IsId(ReadOnlySpan<char> value)
    {
        if (value.Length is < 1 or > 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>[ \r\n\t\S]+</c>: at least one character, and no white space other than space, CR, LF and tab (.NET's <c>\s</c> is <see cref="char.IsWhiteSpace(char)"/>).</summary>
    internal static bool IsString(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c) && c is not (' ' or '\r' or '\n' or '\t'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>[\r\n\t\u0020-\uFFFF]*</c>: no control character other than CR, LF and tab (the empty string too).</summary>
    internal static bool IsAnyString(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c < '\u0020' && c is not ('\r' or '\n' or '\t'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A year, then optionally <c>-MM</c>, then optionally <c>-DD</c>.</summary>
    internal static bool IsDate(ReadOnlySpan<char> value) =>
        Year(value) && (value.Length == 4 || (value.Length >= 7 && Month(value[4..7]) && (value.Length == 7 || (value.Length == 10 && Day(value[7..10])))));

    /// <summary>A date as above; after a full date optionally <c>T</c>, a time and a zone.</summary>
    internal static bool IsDateTime(ReadOnlySpan<char> value) =>
        value.Length <= 10 ? IsDate(value) : IsDate(value[..10]) && value.Length > 10 && value[10] == 'T' && TimeAndZone(value[11..]);

    /// <summary>A full date, <c>T</c>, a time and a zone.</summary>
    internal static bool IsInstant(ReadOnlySpan<char> value) =>
        value.Length > 10 && value[4] == '-' && IsDate(value[..10]) && value[10] == 'T' && TimeAndZone(value[11..]);

    /// <summary>
    /// <c>([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)</c> over the first four characters: four digits, not "0000".
    /// </summary>
    private static bool Year(ReadOnlySpan<char> value) =>
        value.Length >= 4 && char.IsAsciiDigit(value[0]) && char.IsAsciiDigit(value[1]) && char.IsAsciiDigit(value[2]) && char.IsAsciiDigit(value[3])
        && !value[..4].SequenceEqual("0000");

    /// <summary><c>-(0[1-9]|1[0-2])</c></summary>
    private static bool Month(ReadOnlySpan<char> s) =>
        s[0] == '-' && ((s[1] == '0' && s[2] is >= '1' and <= '9') || (s[1] == '1' && s[2] is >= '0' and <= '2'));

    /// <summary><c>-(0[1-9]|[1-2][0-9]|3[0-1])</c></summary>
    private static bool Day(ReadOnlySpan<char> s) =>
        s[0] == '-' && ((s[1] == '0' && s[2] is >= '1' and <= '9') || (s[1] is '1' or '2' && char.IsAsciiDigit(s[2])) || (s[1] == '3' && s[2] is '0' or '1'));

    /// <summary>
    /// <c>([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))</c>, the whole rest.
    /// </summary>
    private static bool TimeAndZone(ReadOnlySpan<char> s)
    {
        if (s.Length < 9
            || !((s[0] is '0' or '1' && char.IsAsciiDigit(s[1])) || (s[0] == '2' && s[1] is >= '0' and <= '3'))
            || s[2] != ':' || s[3] is < '0' or > '5' || !char.IsAsciiDigit(s[4])
            || s[5] != ':' || !((s[6] is >= '0' and <= '5' && char.IsAsciiDigit(s[7])) || (s[6] == '6' && s[7] == '0')))
        {
            return false;
        }

        var rest = s[8..];
        if (rest[0] == '.')
        {
            var digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits == 1)
            {
                return false;
            }

            rest = rest[digits..];
        }

        return rest.SequenceEqual("Z")
            || (rest.Length == 6 && rest[0] is '+' or '-' && rest[3] == ':'
                && (((rest[1] == '0' && char.IsAsciiDigit(rest[2])) || (rest[1] == '1' && rest[2] is >= '0' and <= '3')) && rest[4] is >= '0' and <= '5' && char.IsAsciiDigit(rest[5])
                    || rest[1..].SequenceEqual("14:00")));
    }
}
