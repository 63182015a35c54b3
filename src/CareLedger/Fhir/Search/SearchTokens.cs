using System.Text;

namespace CareLedger.Fhir.Search;

/// <summary>
/// The normalised forms under which values are indexed and looked up. Index and query share these functions,
/// so what is written is exactly what a search asks for.
/// </summary>
public static class SearchTokens
{
    /// <summary>Shortest string prefix indexed: shorter prefixes would leak too much through token frequencies.</summary>
    public const int MinimumPrefixLength = 3;

    public const int MaximumPrefixLength = 32;

    /// <summary>
    /// Date parameters indexed in clear at year precision only (a birth date is a quasi-identifier; HIPAA Safe Harbor
    /// allows the year), with the exact date beside it as a blinded token for equality. See docs/threat-model.md.
    /// </summary>
    public static readonly IReadOnlySet<string> CoarseDateParameters = new HashSet<string>(["birthdate"], StringComparer.Ordinal);

    /// <summary>The suffix of the parameter under which exact (case- and accent-sensitive) string values are indexed.</summary>
    public const string ExactSuffix = ":exact";

    /// <summary>
    /// The token forms of a coded value, so that every FHIR token query form finds it:
    /// <c>code</c> (any system), <c>system|code</c>, <c>|code</c> (no system) and <c>system|</c>.
    /// </summary>
    public static IEnumerable<string> ForCode(string? system, string? code)
    {
        if (!string.IsNullOrEmpty(code))
        {
            yield return code;
            yield return (system ?? string.Empty) + "|" + code;
        }

        if (!string.IsNullOrEmpty(system))
        {
            yield return system + "|";
        }
    }

    /// <summary>
    /// FHIR string search matches case- and accent-insensitively at the start of a value, so every prefix of
    /// the normalised value from <see cref="MinimumPrefixLength"/> characters on is indexed (whole shorter values too).
    /// </summary>
    public static IEnumerable<string> PrefixesOf(string value)
    {
        var normalised = Normalise(value);
        if (normalised.Length == 0)
        {
            yield break;
        }

        if (normalised.Length < MinimumPrefixLength)
        {
            yield return normalised;
            yield break;
        }

        for (var length = MinimumPrefixLength; length <= Math.Min(normalised.Length, MaximumPrefixLength); length++)
        {
            yield return normalised[..length];
        }
    }

    /// <summary>The token a string search value looks up.</summary>
    public static string StringQuery(string value)
    {
        var normalised = Normalise(value);
        return normalised.Length > MaximumPrefixLength ? normalised[..MaximumPrefixLength] : normalised;
    }

    /// <summary>Lower case, accents removed (Latin letters), whitespace collapsed.</summary>
    /// <remarks>The node runs with invariant globalization, where string.Normalize does not decompose accents,
    /// so the common Latin accented letters are folded here explicitly.</remarks>
    public static string Normalise(string value)
    {
        var builder = new StringBuilder(value.Length);
        var lastWasSpace = true;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                }

                lastWasSpace = true;
                continue;
            }

            lastWasSpace = false;
            var lower = char.ToLowerInvariant(c);
            builder.Append(Fold(lower));
        }

        return builder.ToString().TrimEnd();
    }

    private static string Fold(char c) => c switch
    {
        'à' or 'á' or 'â' or 'ã' or 'ä' or 'å' or 'ā' or 'ă' or 'ą' => "a",
        'ç' or 'ć' or 'ĉ' or 'ċ' or 'č' => "c",
        'ď' or 'đ' => "d",
        'è' or 'é' or 'ê' or 'ë' or 'ē' or 'ĕ' or 'ė' or 'ę' or 'ě' => "e",
        'ĝ' or 'ğ' or 'ġ' or 'ģ' => "g",
        'ĥ' or 'ħ' => "h",
        'ì' or 'í' or 'î' or 'ï' or 'ĩ' or 'ī' or 'ĭ' or 'į' or 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' or 'ļ' or 'ľ' or 'ŀ' or 'ł' => "l",
        'ñ' or 'ń' or 'ņ' or 'ň' => "n",
        'ò' or 'ó' or 'ô' or 'õ' or 'ö' or 'ø' or 'ō' or 'ŏ' or 'ő' => "o",
        'ŕ' or 'ŗ' or 'ř' => "r",
        'ś' or 'ŝ' or 'ş' or 'š' => "s",
        'ţ' or 'ť' or 'ŧ' => "t",
        'ù' or 'ú' or 'û' or 'ü' or 'ũ' or 'ū' or 'ŭ' or 'ů' or 'ű' or 'ų' => "u",
        'ŵ' => "w",
        'ý' or 'ÿ' or 'ŷ' => "y",
        'ź' or 'ż' or 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'þ' => "th",
        'ð' => "d",
        _ => c.ToString(),
    };
}
