namespace CareLedger.Access.Consents;

/// <summary>
/// The one reference form consents may use: a relative literal reference <c>Type/id</c>. Absolute URLs, contained
/// (<c>#x</c>), versioned, logical (identifier) and display-only references cannot be compared with the requester's
/// or the resource's references, so a consent that uses them is refused rather than silently never matching.
/// </summary>
internal static class LiteralReference
{
    private const int MaxPartLength = 64;

    public static bool TryParse(string? reference, out string resourceType, out string id)
    {
        resourceType = "";
        id = "";
        if (string.IsNullOrEmpty(reference))
        {
            return false;
        }

        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == reference.Length - 1 || reference.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        var type = reference.AsSpan(0, slash);
        var logicalId = reference.AsSpan(slash + 1);
        if (type.Length > MaxPartLength || !char.IsAsciiLetterUpper(type[0]) || !IsAll(type, char.IsAsciiLetter)
            || logicalId.Length > MaxPartLength || !IsAll(logicalId, c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
        {
            return false;
        }

        resourceType = type.ToString();
        id = logicalId.ToString();
        return true;
    }

    public static bool IsValid(string? reference) => TryParse(reference, out _, out _);

    private static bool IsAll(ReadOnlySpan<char> text, Func<char, bool> allowed)
    {
        foreach (var c in text)
        {
            if (!allowed(c))
            {
                return false;
            }
        }

        return true;
    }
}
