using System.Text.Json;

namespace CareLedger.Tests.Support;

/// <summary>What identifies the Patient of a Synthea bundle: the strings that must never leave the vault in the clear.</summary>
internal sealed record SyntheaPatient(string Id, IReadOnlyList<string> PersonalStrings)
{
    public static string File(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "synthea", name);

    /// <summary>Names, identifier values (SSN, MRN, licence, passport), telephone numbers and address lines.</summary>
    public static SyntheaPatient Read(string bundlePath)
    {
        using var bundle = JsonDocument.Parse(System.IO.File.ReadAllText(bundlePath));
        var patient = bundle.RootElement.GetProperty("entry").EnumerateArray()
            .Select(e => e.GetProperty("resource"))
            .First(r => r.GetProperty("resourceType").GetString() == "Patient");
        var terms = new List<string>();
        foreach (var name in patient.GetProperty("name").EnumerateArray())
        {
            terms.Add(name.GetProperty("family").GetString()!);
            terms.AddRange(name.GetProperty("given").EnumerateArray().Select(g => g.GetString()!));
        }

        terms.AddRange(patient.GetProperty("identifier").EnumerateArray().Select(i => i.GetProperty("value").GetString()!).Where(v => !Guid.TryParse(v, out _)));
        if (patient.TryGetProperty("telecom", out var telecom))
        {
            terms.AddRange(telecom.EnumerateArray().Select(t => t.GetProperty("value").GetString()!));
        }

        terms.AddRange(patient.GetProperty("address").EnumerateArray().SelectMany(a => a.GetProperty("line").EnumerateArray()).Select(l => l.GetString()!));
        return new SyntheaPatient(patient.GetProperty("id").GetString()!, [.. terms.Where(t => t.Length >= 4).Distinct()]);
    }
}
