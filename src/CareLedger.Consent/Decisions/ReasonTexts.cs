using System.Globalization;
using System.Text;
using CareLedger.Consent.Model;

namespace CareLedger.Consent.Decisions;

/// <summary>The sentences of decision reasons, in one place so that they stay consistent.</summary>
internal static class ReasonTexts
{
    private static readonly (ProvisionDimensions Dimension, string Name)[] DimensionNames =
    [
        (ProvisionDimensions.Period, "period"),
        (ProvisionDimensions.Actor, "actor"),
        (ProvisionDimensions.Action, "action"),
        (ProvisionDimensions.SecurityLabel, "security label"),
        (ProvisionDimensions.Purpose, "purpose"),
        (ProvisionDimensions.Class, "class"),
        (ProvisionDimensions.Code, "code"),
        (ProvisionDimensions.DataPeriod, "data period"),
        (ProvisionDimensions.Data, "data"),
    ];

    public static IReadOnlyList<ProvisionDimensions> SingleDimensions { get; } =
        Array.ConvertAll(DimensionNames, pair => pair.Dimension);

    public static string Describe(ProvisionDimensions dimensions)
    {
        var names = new List<string>();
        foreach (var (dimension, name) in DimensionNames)
        {
            if ((dimensions & dimension) != 0)
            {
                names.Add(name);
            }
        }

        return names.Count switch
        {
            0 => "nothing",
            1 => names[0],
            _ => string.Join(", ", names.Take(names.Count - 1)) + " and " + names[^1],
        };
    }

    public static string Describe(IReadOnlyList<Coding> codings)
    {
        var text = new StringBuilder();
        for (var i = 0; i < codings.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(codings[i].Code);
        }

        return text.ToString();
    }

    public static string Describe(DateTimeOffset instant) => instant.ToString("O", CultureInfo.InvariantCulture);

    public static string StatusCode(ConsentStatus status) => status switch
    {
        ConsentStatus.Draft => "draft",
        ConsentStatus.Proposed => "proposed",
        ConsentStatus.Active => "active",
        ConsentStatus.Rejected => "rejected",
        ConsentStatus.Inactive => "inactive",
        ConsentStatus.EnteredInError => "entered-in-error",
        _ => "unknown",
    };
}
