using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CareLedger.Analytics.Registry;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme: no whitespace, object members sorted by UTF-16 code units, numbers in
/// ECMAScript shortest form, strings with only the mandatory escapes. Equal content gives equal bytes, so a card's
/// digest is stable across machines and serializer versions.
/// </summary>
internal static class CanonicalJson
{
    public static byte[] Serialize(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node);
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
            throw new ArgumentException("JSON cannot represent NaN or infinity.", nameof(value));
        if (value == 0)
            return "0";

        // .NET's round-trip format is the shortest digit string that reads back to the same double, as ECMAScript requires.
        var roundTrip = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = roundTrip.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            exponent = int.Parse(roundTrip.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            roundTrip = roundTrip[..e];
        }

        var dot = roundTrip.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? roundTrip : roundTrip.Remove(dot, 1);
        var integerDigits = dot < 0 ? roundTrip.Length : dot;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits[leadingZeros..].TrimEnd('0');
        var n = integerDigits - leadingZeros + exponent; // value = 0.d1d2...dk × 10^n
        var k = digits.Length;

        string text;
        if (k <= n && n <= 21)
            text = digits + new string('0', n - k);
        else if (n > 0 && n <= 21)
            text = digits[..n] + "." + digits[n..];
        else if (n > -6 && n <= 0)
            text = "0." + new string('0', -n) + digits;
        else
        {
            var power = (n - 1).ToString("+0;-0", CultureInfo.InvariantCulture);
            text = k == 1 ? digits + "e" + power : digits[..1] + "." + digits[1..] + "e" + power;
        }

        return value < 0 ? "-" + text : text;
    }

    private static void Write(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (name, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first)
                        text.Append(',');
                    first = false;
                    WriteString(text, name);
                    text.Append(':');
                    Write(text, value);
                }

                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                        text.Append(',');
                    Write(text, array[i]);
                }

                text.Append(']');
                break;
            default:
                switch (node.GetValueKind())
                {
                    case JsonValueKind.String:
                        WriteString(text, node.GetValue<string>());
                        break;
                    case JsonValueKind.Number:
                        text.Append(FormatNumber(double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)));
                        break;
                    case JsonValueKind.True:
                        text.Append("true");
                        break;
                    case JsonValueKind.False:
                        text.Append("false");
                        break;
                    default:
                        text.Append("null");
                        break;
                }

                break;
        }
    }

    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1])))
                throw new ArgumentException("A JSON string contains an unpaired surrogate.", nameof(value));
            if (char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(value[i - 1])))
                throw new ArgumentException("A JSON string contains an unpaired surrogate.", nameof(value));
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ': text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: text.Append(c); break;
            }
        }

        text.Append('"');
    }
}
