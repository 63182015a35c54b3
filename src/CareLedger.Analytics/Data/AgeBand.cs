using System.Globalization;

namespace CareLedger.Analytics.Data;

/// <summary>Decade age bands used as a bias-audit attribute; the last band is open so that small old groups are not split.</summary>
public static class AgeBand
{
    public static string Of(double ageYears)
    {
        if (double.IsNaN(ageYears) || ageYears < 0 || ageYears > 150)
            throw new ArgumentOutOfRangeException(nameof(ageYears), ageYears, "Age must be between 0 and 150 years.");
        if (ageYears >= 50)
            return "50+";
        var lower = (int)Math.Floor(ageYears / 10) * 10;
        return string.Create(CultureInfo.InvariantCulture, $"{lower}-{lower + 9}");
    }
}
