using System.Diagnostics.CodeAnalysis;

namespace CareLedger.Identity.Scopes;

/// <summary>The SMART v2 permission letters, in their required order c r u d s.</summary>
[Flags]
public enum SmartPermissions
{
    None = 0,
    Create = 1,
    Read = 2,
    Update = 4,
    Delete = 8,
    Search = 16,
    All = Create | Read | Update | Delete | Search,
}

internal static class SmartPermissionLetters
{
    private static readonly (char Letter, SmartPermissions Permission)[] s_order =
    [
        ('c', SmartPermissions.Create),
        ('r', SmartPermissions.Read),
        ('u', SmartPermissions.Update),
        ('d', SmartPermissions.Delete),
        ('s', SmartPermissions.Search),
    ];

    public static SmartPermissions For(FhirInteraction interaction) => interaction switch
    {
        FhirInteraction.Create => SmartPermissions.Create,
        FhirInteraction.Read => SmartPermissions.Read,
        FhirInteraction.Update => SmartPermissions.Update,
        FhirInteraction.Delete => SmartPermissions.Delete,
        FhirInteraction.Search => SmartPermissions.Search,
        _ => throw new ArgumentOutOfRangeException(nameof(interaction), interaction, "not a FHIR interaction"),
    };

    public static string ToLetters(SmartPermissions permissions)
    {
        Span<char> letters = stackalloc char[s_order.Length];
        var count = 0;
        foreach (var (letter, permission) in s_order)
        {
            if ((permissions & permission) != 0)
            {
                letters[count++] = letter;
            }
        }

        return new string(letters[..count]);
    }

    /// <summary>Parses "cruds" letters; they must appear at most once each, in that order (SMART v2 §scopes).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out SmartPermissions permissions, [NotNullWhen(false)] out string? error)
    {
        permissions = SmartPermissions.None;
        error = null;
        if (text.IsEmpty)
        {
            error = "no permission letters (expected some of c r u d s, in that order)";
            return false;
        }

        var next = 0;
        foreach (var letter in text)
        {
            var position = Array.FindIndex(s_order, o => o.Letter == letter);
            if (position < 0)
            {
                error = $"'{letter}' is not a permission letter (expected some of c r u d s, in that order)";
                return false;
            }

            if (position < next)
            {
                error = $"permission letters must appear once each in the order c r u d s ('{text}')";
                return false;
            }

            permissions |= s_order[position].Permission;
            next = position + 1;
        }

        return true;
    }
}
