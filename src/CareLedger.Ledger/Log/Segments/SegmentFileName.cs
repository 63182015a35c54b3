using System.Globalization;

namespace CareLedger.Ledger.Log.Segments;

/// <summary>
/// A segment is named by the index of its first record in 20 decimal digits (enough for any u64), so that the
/// lexical order of the names is the order of the log.
/// </summary>
internal static class SegmentFileName
{
    public const string Extension = ".seg";

    /// <summary>A segment is written under this suffix and renamed into place once its header is durable.</summary>
    public const string TemporarySuffix = ".tmp";

    private const int Digits = 20;

    public static string For(long firstIndex) => firstIndex.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    public static bool IsSegment(string fileName) => fileName.EndsWith(Extension, StringComparison.Ordinal);

    public static bool IsTemporary(string fileName) => fileName.EndsWith(Extension + TemporarySuffix, StringComparison.Ordinal);

    public static bool TryParse(string fileName, out long firstIndex)
    {
        firstIndex = 0;
        if (fileName.Length != Digits + Extension.Length || !IsSegment(fileName))
        {
            return false;
        }

        var digits = fileName.AsSpan(0, Digits);
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out firstIndex);
    }
}
