using CareLedger.Consent.Model;

namespace CareLedger.Consent.Tests;

public sealed class PeriodTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, true)]
    [InlineData(-1, false)]
    [InlineData(31 * 24 * 60 * 60 * 10_000_000L - 1, true)]
    [InlineData(31 * 24 * 60 * 60 * 10_000_000L, false)]
    public void Period_includes_its_start_and_excludes_its_end(long ticksAfterStart, bool contained)
    {
        Assert.Equal(contained, new Period(Start, End).Contains(Start.AddTicks(ticksAfterStart)));
    }

    [Fact]
    public void Open_period_contains_every_instant()
    {
        Assert.True(Period.Always.Contains(DateTimeOffset.MinValue));
        Assert.True(Period.Always.Contains(DateTimeOffset.MaxValue));
    }

    [Theory]
    [InlineData("2026", "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00")]
    [InlineData("2026-02", "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00")]
    [InlineData("2024-02-29", "2024-02-29T00:00:00+00:00", "2024-03-01T00:00:00+00:00")]
    [InlineData("2026-12-31", "2026-12-31T00:00:00+00:00", "2027-01-01T00:00:00+00:00")]
    [InlineData("2026-06-15T10:00:00Z", "2026-06-15T10:00:00+00:00", "2026-06-15T10:00:01+00:00")]
    [InlineData("2026-06-15T10:00:00.5+02:00", "2026-06-15T10:00:00.5+02:00", "2026-06-15T10:00:00.6+02:00")]
    [InlineData("2026-06-15T10:00:00.123-05:30", "2026-06-15T10:00:00.123-05:30", "2026-06-15T10:00:00.124-05:30")]
    public void Fhir_end_is_inclusive_at_its_precision(string fhir, string first, string firstAfter)
    {
        var period = Period.FromFhir(fhir, fhir);

        Assert.Equal(DateTimeOffset.Parse(first, System.Globalization.CultureInfo.InvariantCulture), period.Start);
        Assert.Equal(DateTimeOffset.Parse(firstAfter, System.Globalization.CultureInfo.InvariantCulture), period.End);
    }

    [Fact]
    public void Fhir_dates_without_time_take_the_given_zone()
    {
        var period = Period.FromFhir("2026-06-15", null, TimeSpan.FromHours(2));

        Assert.Equal(new DateTimeOffset(2026, 6, 15, 0, 0, 0, TimeSpan.FromHours(2)), period.Start);
        Assert.Null(period.End);
    }

    [Theory]
    [InlineData("26")]
    [InlineData("2026-13")]
    [InlineData("2026-02-30")]
    [InlineData("2026-06-15T10:00:00")]
    [InlineData("2026-06-15T25:00:00Z")]
    [InlineData("2026-06-15T10:00:00.Z")]
    [InlineData("2026-06-15 10:00:00Z")]
    [InlineData("0000")]
    [InlineData("9999-12-31T23:59:59+15:00")]
    [InlineData("2026/06/15")]
    public void Malformed_fhir_datetime_is_rejected(string value)
    {
        var error = Assert.Throws<FormatException>(() => Period.FromFhir(value, null));

        Assert.Contains("is not a FHIR dateTime", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void End_at_the_last_representable_year_is_rejected_clearly()
    {
        Assert.Throws<FormatException>(() => Period.FromFhir(null, "9999"));
    }
}
