using System.Text;
using System.Text.Json.Nodes;
using CareLedger.Analytics.Registry;

namespace CareLedger.Analytics.Tests.Registry;

public class CanonicalJsonTests
{
    [Theory]
    // RFC 8785 §3.2.2.3 and its Appendix B samples, plus ECMAScript Number::toString boundaries.
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(4.50, "4.5")]
    [InlineData(2e-3, "0.002")]
    [InlineData(0.000001, "0.000001")]
    [InlineData(1e-7, "1e-7")]
    [InlineData(0.000000000000000000000000001, "1e-27")]
    [InlineData(333333333.33333329, "333333333.3333333")]
    [InlineData(1e20, "100000000000000000000")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e30, "1e+30")]
    [InlineData(9007199254740992.0, "9007199254740992")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(123.456e-10, "1.23456e-8")]
    public void Numbers_are_written_in_ECMAScript_shortest_form(double value, string expected)
    {
        Assert.Equal(expected, CanonicalJson.FormatNumber(value));
    }

    [Fact]
    public void Members_are_sorted_by_utf16_code_units_and_strings_keep_only_mandatory_escapes()
    {
        var node = new JsonObject
        {
            ["b"] = 1,
            ["a"] = "é/\"\\\n\u000f",
            ["\u20ac"] = true,
            ["\U0001F600"] = false,
            ["A"] = new JsonArray(1, null, "x"),
        };

        var json = Encoding.UTF8.GetString(CanonicalJson.Serialize(node));

        Assert.Equal("{\"A\":[1,null,\"x\"],\"a\":\"é/\\\"\\\\\\n\\u000f\",\"b\":1,\"\u20ac\":true,\"\U0001F600\":false}", json);
    }

    [Fact]
    public void Negative_zero_is_written_as_zero()
    {
        Assert.Equal("0", CanonicalJson.FormatNumber(-0.0));
    }

    [Fact]
    public void NaN_cannot_be_canonicalised()
    {
        Assert.Throws<ArgumentException>(() => CanonicalJson.FormatNumber(double.NaN));
    }
}
