using System.Globalization;
using System.Text;

namespace CareLedger.Compliance;

/// <summary>
/// The accounting of disclosures as CSV (RFC 4180: a header row, CRLF line ends, fields quoted when they hold a comma,
/// quote or line break). A field that a spreadsheet would run as a formula (starting with = + - @) is prefixed with an
/// apostrophe, since recipients' subjects come from outside.
/// </summary>
internal static class DisclosureCsv
{
    public const string MediaType = "text/csv";

    public static string Write(IReadOnlyList<AccountedDisclosure> disclosures)
    {
        var csv = new StringBuilder();
        Row(csv, "date", "recipient", "recipient_role", "recipient_organisation", "purpose", "description", "audit_id", "break_glass");
        foreach (var d in disclosures)
        {
            Row(csv,
                d.Date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                d.Recipient,
                d.RecipientRole,
                d.RecipientOrganisation ?? string.Empty,
                d.Purpose,
                d.Description,
                d.AuditId.ToString("D"),
                d.BreakGlass ? "true" : "false");
        }

        return csv.ToString();
    }

    private static void Row(StringBuilder csv, params string[] fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                csv.Append(',');
            }

            csv.Append(Field(fields[i]));
        }

        csv.Append("\r\n");
    }

    private static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
