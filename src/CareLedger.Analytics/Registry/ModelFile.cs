using System.Security.Cryptography;

namespace CareLedger.Analytics.Registry;

/// <summary>Model-file hashing and the check that a file is still the one its card registered.</summary>
public static class ModelFile
{
    public static string Sha256Hex(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string Sha256Hex(Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return Convert.ToHexStringLower(SHA256.HashData(content));
    }

    /// <exception cref="ModelIntegrityException">The content's SHA-256 differs from <see cref="ModelCard.ModelSha256"/>.</exception>
    public static void EnsureMatches(ReadOnlySpan<byte> content, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        var actual = Sha256Hex(content);
        if (!string.Equals(actual, card.ModelSha256, StringComparison.Ordinal))
            throw new ModelIntegrityException(card.Name, $"the model file's SHA-256 is {actual} but the card registered {card.ModelSha256}.");
    }

    /// <summary>
    /// Reads the whole file once and checks it, so the bytes that are verified are the bytes that get loaded
    /// (no window for the file to change between check and use).
    /// </summary>
    public static byte[] ReadVerified(string path, ModelCard card)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(card);
        var content = File.ReadAllBytes(path);
        EnsureMatches(content, card);
        return content;
    }
}
