using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Ai.Data;

/// <summary>
/// Synthetic, deterministic demographics for the demo patient of one reference row: the same row always gets the same
/// sex, birth date and measurement date, on every machine. The reference data sets name nobody; these values exist
/// only so that the bias audit has subgroups. WDBC has neither sex nor age: about one patient in sixteen is male (male
/// breast masses are rare) and ages spread over 28–82. Pima women are female and keep their recorded age.
/// </summary>
public sealed record DemoDemographics(string Gender, DateOnly BirthDate, DateOnly MeasuredOn)
{
    /// <summary>Measurements fall on one of the 360 days from this date, by row.</summary>
    public static readonly DateOnly FirstMeasurement = new(2025, 1, 6);

    public static DemoDemographics For(string dataset, int row, double? recordedAgeYears)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        var draw = Draw(dataset, row);
        var measuredOn = FirstMeasurement.AddDays(row % 360);
        var male = recordedAgeYears is null && draw % 16 == 0;
        var age = recordedAgeYears is { } recorded ? (int)Math.Floor(recorded) : 28 + (int)(draw / 16 % 55);
        // Born 1..364 days more than `age` years before the measurement, so the age on that day is exactly `age`.
        var birthDate = measuredOn.AddYears(-age).AddDays(-(1 + (int)(draw / 1024 % 364)));
        return new DemoDemographics(male ? "male" : "female", birthDate, measuredOn);
    }

    private static ulong Draw(string dataset, int row) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"careledger-demo/{dataset}/{row}")));
}
