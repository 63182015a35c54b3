using System.Globalization;
using System.Text;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>
/// The body of a C2SP tlog-checkpoint: origin line, decimal tree size, base64 root hash, optional extension lines,
/// each ending in a newline.
/// </summary>
public sealed record Checkpoint(string Origin, long Size, byte[] RootHash, IReadOnlyList<string> Extensions)
{
    public Checkpoint(string origin, long size, byte[] rootHash)
        : this(origin, size, rootHash, [])
    {
    }

    /// <summary>"origin\nsize\nbase64(root)\n[extension\n...]", validated.</summary>
    public string ToNoteText()
    {
        if (string.IsNullOrEmpty(Origin) || Origin.Contains('\n', StringComparison.Ordinal))
            throw new InvalidOperationException("A checkpoint origin must be one non-empty line.");
        if (Size < 0)
            throw new InvalidOperationException($"A checkpoint size cannot be negative ({Size}).");
        if (RootHash is null || RootHash.Length != Rfc9162.HashSize)
            throw new InvalidOperationException($"A checkpoint root hash is {Rfc9162.HashSize} bytes.");
        var builder = new StringBuilder()
            .Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Convert.ToBase64String(RootHash)).Append('\n');
        foreach (var extension in Extensions ?? [])
        {
            if (string.IsNullOrEmpty(extension) || extension.Contains('\n', StringComparison.Ordinal))
                throw new InvalidOperationException("A checkpoint extension must be one non-empty line.");
            builder.Append(extension).Append('\n');
        }

        var text = builder.ToString();
        var problem = NoteSyntax.TextProblem(text);
        if (problem is not null)
            throw new InvalidOperationException($"Checkpoint text is invalid: {problem}.");
        return text;
    }

    /// <summary>Parses a checkpoint body (the note text, not the signatures) strictly; <see cref="FormatException"/> names what is wrong.</summary>
    public static Checkpoint Parse(string noteText)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        var problem = SignedNote.TextProblem(noteText);
        if (problem is not null)
            throw new FormatException($"Malformed checkpoint: {problem}.");
        var lines = noteText[..^1].Split('\n');
        if (lines.Length < 3)
            throw new FormatException($"Malformed checkpoint: it has {lines.Length} lines; origin, size and root hash are required.");

        var origin = lines[0];
        if (origin.Length == 0)
            throw new FormatException("Malformed checkpoint: the origin line is empty.");
        var size = ParseSize(lines[1]);
        if (!NoteSyntax.TryDecodeBase64(lines[2], out var root) || root.Length != Rfc9162.HashSize)
            throw new FormatException($"Malformed checkpoint: the root hash line is not the canonical base64 of {Rfc9162.HashSize} bytes.");
        var extensions = lines[3..];
        for (var i = 0; i < extensions.Length; i++)
        {
            if (extensions[i].Length == 0)
                throw new FormatException($"Malformed checkpoint: extension line {i + 1} is empty.");
        }

        return new Checkpoint(origin, size, root, extensions);
    }

    private static long ParseSize(string line)
    {
        if (line.Length == 0 || line.Length > 19 || (line.Length > 1 && line[0] == '0'))
            throw new FormatException($"Malformed checkpoint: size '{line}' is not a decimal number without leading zeros.");
        foreach (var c in line)
        {
            if (c is < '0' or > '9')
                throw new FormatException($"Malformed checkpoint: size '{line}' is not a decimal number.");
        }

        if (!long.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            throw new FormatException($"Malformed checkpoint: size '{line}' is too large.");
        return size;
    }
}
