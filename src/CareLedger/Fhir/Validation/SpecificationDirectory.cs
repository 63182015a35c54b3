using System.IO.Compression;
using System.Security.Cryptography;

namespace CareLedger.Fhir.Validation;

/// <summary>
/// The FHIR specification archive, unpacked once per archive content into the temporary directory and shared by every
/// process that validates. The SDK's own <c>ZipSource</c> unpacks into one fixed folder per SDK version, and a process
/// that starts while another is still unpacking reads a half-written folder ("Could not find file ...
/// profiles-types.xml"); here a process unpacks into a private folder and renames it into place whole, so a reader
/// sees the complete directory or none.
/// </summary>
internal static class SpecificationDirectory
{
    private const string CompleteMarker = ".careledger-complete";

    public static string Prepare(string zipPath)
    {
        string digest;
        using (var zip = File.OpenRead(zipPath))
        {
            digest = Convert.ToHexStringLower(SHA256.HashData(zip))[..16];
        }

        var target = Path.Combine(Path.GetTempPath(), $"careledger-fhir-spec-{digest}");
        if (File.Exists(Path.Combine(target, CompleteMarker)))
        {
            return target;
        }

        var staging = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():N}";
        ZipFile.ExtractToDirectory(zipPath, staging);
        File.WriteAllText(Path.Combine(staging, CompleteMarker), zipPath);
        try
        {
            if (Directory.Exists(target) && !File.Exists(Path.Combine(target, CompleteMarker)))
            {
                // Not put there by this code (every copy moves in with its marker): never read it.
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(staging, target);
        }
        catch (IOException) when (File.Exists(Path.Combine(target, CompleteMarker)))
        {
            // Another process put a complete copy in place first: use it, drop ours.
            Directory.Delete(staging, recursive: true);
        }

        return target;
    }
}
