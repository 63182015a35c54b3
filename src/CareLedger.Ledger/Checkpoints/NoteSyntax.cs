using System.Text;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>The lexical rules of C2SP signed-note shared by notes, checkpoints and keys.</summary>
internal static class NoteSyntax
{
    /// <summary>Em dash (U+2014) and a space: the start of every signature line.</summary>
    public const string SignaturePrefix = "\u2014 ";

    /// <summary>Key names are non-empty and contain no Unicode spaces, no '+' and no control characters.</summary>
    public static bool IsValidKeyName(string? name)
    {
        if (string.IsNullOrEmpty(name))
            return false;
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune) || Rune.IsControl(rune) || rune.Value == '+' || rune == Rune.ReplacementChar)
                return false;
        }

        return !HasLoneSurrogate(name);
    }

    public static void ThrowIfInvalidKeyName(string? name, string parameterName)
    {
        if (!IsValidKeyName(name))
            throw new ArgumentException($"Key name '{name}' is invalid: it must be non-empty, without spaces, '+' or control characters.", parameterName);
    }

    /// <summary>Null when the text is valid signed-note text (UTF-8 without control characters other than newline), else the reason.</summary>
    public static string? TextProblem(string text)
    {
        if (HasLoneSurrogate(text))
            return "it is not valid UTF-8 (lone surrogate)";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x20 && c != '\n')
                return $"it contains the control character U+{(int)c:X4} at offset {i}";
            if (c == '\uFFFD')
                return $"it contains U+FFFD at offset {i} (undecodable bytes)";
        }

        return null;
    }

    /// <summary>Decodes standard base64 (RFC 4648 §4) only in its canonical form: padding present, unused bits zero, no whitespace.</summary>
    public static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0 || text.Length % 4 != 0)
            return false;
        foreach (var c in text)
        {
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' or '='))
                return false;
        }

        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return false;
        }

        if (!string.Equals(Convert.ToBase64String(decoded), text, StringComparison.Ordinal))
            return false;
        bytes = decoded;
        return true;
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                    return true;
                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
