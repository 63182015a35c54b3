using CareLedger.Analytics.Data;

namespace CareLedger.Analytics.Tests.Data;

public class ReferenceDatasetsTests
{
    [Fact]
    public void WDBC_has_569_rows_of_30_features_with_212_malignant()
    {
        var wdbc = TestData.Wdbc;

        Assert.Equal(569, wdbc.Count);
        Assert.Equal(30, wdbc.FeatureNames.Count);
        Assert.Equal(212, wdbc.Labels().Count(l => l));
        Assert.Equal(17.99f, wdbc.Rows[0].Features[0]);
    }

    [Fact]
    public void Pima_zeros_in_five_measurements_become_missing_values()
    {
        var pima = TestData.Pima;
        int Missing(string name) => pima.Rows.Count(r => float.IsNaN(r.Features[pima.FeatureNames.ToList().IndexOf(name)]));

        Assert.Equal(768, pima.Count);
        Assert.Equal(268, pima.Labels().Count(l => l));
        Assert.Equal((5, 35, 227, 374, 11), (Missing("glucose"), Missing("pressure"), Missing("triceps"), Missing("insulin"), Missing("mass")));
        Assert.Equal(0, Missing("pregnant")); // zero pregnancies is a real value
    }

    [Fact]
    public void Pima_rows_carry_an_age_band_attribute()
    {
        Assert.Equal("50+", TestData.Pima.Rows[0].Attributes["age_band"]);    // age 50
        Assert.Equal("30-39", TestData.Pima.Rows[1].Attributes["age_band"]);  // age 31
    }

    [Theory]
    [InlineData(21, "20-29")]
    [InlineData(49.9, "40-49")]
    [InlineData(50, "50+")]
    [InlineData(3, "0-9")]
    public void Age_bands_are_decades_with_an_open_last_band(double age, string band)
    {
        Assert.Equal(band, AgeBand.Of(age));
    }

    [Fact]
    public void A_negative_age_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AgeBand.Of(-1));
    }

    [Theory]
    [InlineData("a,diagnosis\n1,M\n2,X\n", "row 2")]
    [InlineData("a,diagnosis\n1,M\n2\n", "line 3: 1 field(s), but the header has 2")]
    [InlineData("a,diagnosis\nx,M\n", "'x' is not a finite number")]
    [InlineData("a,b\n1,2\n", "no 'diagnosis' column")]
    [InlineData("a,diagnosis\n\"1,M\n", "unterminated")]
    public void Malformed_csv_is_rejected_with_the_line_and_reason(string csv, string reason)
    {
        var e = Assert.Throws<FormatException>(() => ReferenceDatasets.ReadWdbc(new StringReader(csv)));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}
