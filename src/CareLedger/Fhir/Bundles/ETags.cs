using System.Globalization;

namespace CareLedger.Fhir.Bundles;

/// <summary>Weak ETags carry the version id: <c>W/"3"</c>.</summary>
public static class ETags
{
    public static string ForVersion(int version) => $"W/\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>The version in W/"n" (or "n"); null if the text is not such an ETag.</summary>
    public static int? ParseVersion(string? etag)
    {
        if (string.IsNullOrWhiteSpace(etag))
        {
            return null;
        }

        var text = etag.Trim();
        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        text = text.Trim('"');
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 0 ? version : null;
    }
}
