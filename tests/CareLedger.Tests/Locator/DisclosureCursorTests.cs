using CareLedger.Locator;

namespace CareLedger.Tests.Locator;

/// <summary>The next-page cursor of a member's disclosure (ADR 0009): what it writes it reads back, and nothing else.</summary>
public sealed class DisclosureCursorTests
{
    private static readonly string[] Types = ["Patient", "Observation"];

    [Theory]
    [InlineData("Observation", null)]
    [InlineData("Observation", "obs-1.2")]
    [InlineData("Patient", "a")]
    public void A_cursor_round_trips(string type, string? afterId)
    {
        var cursor = new DisclosureCursor(type, afterId);

        Assert.Equal(cursor, DisclosureCursor.Parse(cursor.ToString(), Types));
    }

    [Theory]
    [InlineData("Condition/c1")]
    [InlineData("Observation/")]
    [InlineData("Observation/a b")]
    [InlineData("Observation/a/b")]
    [InlineData("observation/o1")]
    [InlineData("")]
    public void Anything_else_is_no_cursor(string text) => Assert.Null(DisclosureCursor.Parse(text, Types));
}
