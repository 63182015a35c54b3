using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CareLedger.Import;

namespace CareLedger.Fhir.Bench;

/// <summary>
/// A larger import for a steady throughput figure, made from the Synthea bundles the bench is given: each patient bundle
/// written <c>copies</c> times, each copy re-identified by replacing every UUID of the patient's own resources with one
/// derived from (copy, old UUID), so that references inside the bundle stay consistent and no two copies share a
/// resource. Organization and Practitioner entries keep their ids: every patient shares them and finds them already
/// present, as the originals do. Hospital and practitioner bundles are copied once. Deterministic: the same input makes
/// the same files.
/// </summary>
public static partial class SyntheaCopies
{
    /// <summary>Writes the copies into <paramref name="directory"/> and returns the paths to import, in load order.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<string> sources, int copies, string directory)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(copies);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var path in FhirImporter.ExpandPaths(sources).Where(p => p.EndsWith(".json", StringComparison.OrdinalIgnoreCase)))
        {
            var name = Path.GetFileName(path);
            var text = File.ReadAllText(path);
            if (FhirImporter.IsSharedReferenceData(name))
            {
                var target = Path.Combine(directory, name);
                File.WriteAllText(target, text);
                written.Add(target);
                continue;
            }

            var shared = SharedIds(text);
            for (var copy = 0; copy < copies; copy++)
            {
                var target = Path.Combine(directory, $"copy{copy:D3}-{name}");
                File.WriteAllText(target, Uuid().Replace(text, m => shared.Contains(m.Value) ? m.Value : Derived(copy, m.Value)));
                written.Add(target);
            }
        }

        return written;
    }

    /// <summary>The ids of the bundle's Organization and Practitioner entries, which every copy keeps.</summary>
    private static HashSet<string> SharedIds(string bundleJson)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(bundleJson);
        if (!document.RootElement.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            return ids;
        }

        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.TryGetProperty("resource", out var resource)
                && resource.TryGetProperty("resourceType", out var type) && type.GetString() is "Organization" or "Practitioner"
                && resource.TryGetProperty("id", out var id) && id.GetString() is { } value)
            {
                ids.Add(value);
            }
        }

        return ids;
    }

    private static string Derived(int copy, string uuid)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes($"careledger-bench-copy/{copy}/{uuid}"), hash);
        // Version 4 and RFC 4122 variant bits, so the result is a well-formed random-style UUID.
        hash[6] = (byte)((hash[6] & 0x0F) | 0x40);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true).ToString("D");
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();
}
