using System.Buffers.Binary;
using System.Text;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>
/// A C2SP signed note (c2sp.org/signed-note): a text ending in a newline, a blank line, then one signature line
/// per signature, "— name base64(keyid || signature)\n".
/// </summary>
public sealed class SignedNote
{
    /// <summary>At least the 16 that signed-note requires; the same bound as golang.org/x/mod/sumdb/note.</summary>
    public const int MaxSignatures = 100;

    private readonly NoteSignature[] signatures;

    /// <summary>A note over <paramref name="text"/> with the given signatures (none yet is allowed while it is being signed).</summary>
    public SignedNote(string text, IEnumerable<NoteSignature>? signatures = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problem = TextProblem(text);
        if (problem is not null)
            throw new ArgumentException($"Note text is invalid: {problem}.", nameof(text));
        this.signatures = (signatures ?? []).ToArray();
        CheckSignatures(this.signatures, static reason => new ArgumentException(reason, nameof(signatures)));
        Text = text;
    }

    /// <summary>The signed text, ending with '\n' (the separating blank line excluded).</summary>
    public string Text { get; }

    public IReadOnlyList<NoteSignature> Signatures => signatures;

    /// <summary>Parses a note strictly; <see cref="FormatException"/> names what is wrong.</summary>
    public static SignedNote Parse(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        var textProblem = NoteSyntax.TextProblem(note);
        if (textProblem is not null)
            throw new FormatException($"Malformed signed note: {textProblem}.");
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
            throw new FormatException("Malformed signed note: no blank line separates the text from the signatures.");
        var text = note[..(split + 1)];
        var signatureBlock = note[(split + 2)..];
        if (signatureBlock.Length == 0)
            throw new FormatException("Malformed signed note: it has no signature lines.");
        if (signatureBlock[^1] != '\n')
            throw new FormatException("Malformed signed note: the last signature line does not end with a newline.");

        var lines = signatureBlock[..^1].Split('\n');
        if (lines.Length > MaxSignatures)
            throw new FormatException($"Malformed signed note: {lines.Length} signatures exceed the limit of {MaxSignatures}.");
        var parsed = new NoteSignature[lines.Length];
        for (var i = 0; i < lines.Length; i++)
            parsed[i] = ParseSignatureLine(lines[i], i + 1);
        CheckSignatures(parsed, static reason => new FormatException("Malformed signed note: " + reason));
        return new SignedNote(text, parsed);
    }

    /// <summary>This note with <paramref name="signature"/> added, or replacing the signature of the same key (name and id).</summary>
    public SignedNote WithSignature(NoteSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var others = signatures.Where(s => !SameKey(s, signature));
        return new SignedNote(Text, others.Append(signature));
    }

    /// <summary>The exact note: text, blank line, signature lines. A note needs at least one signature to be parsed back.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(Text.Length + 1 + signatures.Length * 100);
        builder.Append(Text).Append('\n');
        foreach (var signature in signatures)
            builder.Append(signature.ToLine()).Append('\n');
        return builder.ToString();
    }

    internal static string? TextProblem(string text)
    {
        if (text.Length == 0 || text[^1] != '\n')
            return "it must end with a newline";
        return NoteSyntax.TextProblem(text);
    }

    private static NoteSignature ParseSignatureLine(string line, int number)
    {
        if (!line.StartsWith(NoteSyntax.SignaturePrefix, StringComparison.Ordinal))
            throw new FormatException($"Malformed signed note: signature line {number} does not start with an em dash (U+2014) and a space.");
        var rest = line[NoteSyntax.SignaturePrefix.Length..];
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
            throw new FormatException($"Malformed signed note: signature line {number} has no space between key name and signature.");
        var name = rest[..space];
        if (!NoteSyntax.IsValidKeyName(name))
            throw new FormatException($"Malformed signed note: signature line {number} has an invalid key name '{name}'.");
        if (!NoteSyntax.TryDecodeBase64(rest[(space + 1)..], out var bytes))
            throw new FormatException($"Malformed signed note: signature line {number} ({name}) is not canonical standard base64.");
        if (bytes.Length < 5)
            throw new FormatException($"Malformed signed note: signature line {number} ({name}) is shorter than a key id and a signature.");
        return new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(bytes), bytes[4..]);
    }

    private static void CheckSignatures(NoteSignature[] signatures, Func<string, Exception> error)
    {
        if (signatures.Length > MaxSignatures)
            throw error($"{signatures.Length} signatures exceed the limit of {MaxSignatures}.");
        for (var i = 0; i < signatures.Length; i++)
        {
            var signature = signatures[i] ?? throw error($"signature {i + 1} is null.");
            if (!NoteSyntax.IsValidKeyName(signature.KeyName))
                throw error($"signature {i + 1} has an invalid key name '{signature.KeyName}'.");
            if (signature.Signature is null || signature.Signature.Length == 0)
                throw error($"signature {i + 1} ({signature.KeyName}) is empty.");
            for (var j = 0; j < i; j++)
            {
                if (SameKey(signatures[j], signature))
                    throw error($"key {signature.KeyName}+{signature.KeyId:x8} signs twice.");
            }
        }
    }

    private static bool SameKey(NoteSignature a, NoteSignature b) =>
        a.KeyId == b.KeyId && string.Equals(a.KeyName, b.KeyName, StringComparison.Ordinal);
}
