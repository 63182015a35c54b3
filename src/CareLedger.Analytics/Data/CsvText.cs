using System.Text;

namespace CareLedger.Analytics.Data;

/// <summary>Minimal RFC 4180 reader: comma separated, optional double quotes, header row first.</summary>
internal static class CsvText
{
    public static (string[] Header, List<string[]> Rows) Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = reader.ReadLine() is { } first
            ? SplitLine(first, 1)
            : throw new FormatException("The CSV text is empty; a header row is required.");
        var rows = new List<string[]>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            var fields = SplitLine(line, lineNumber);
            if (fields.Length != header.Length)
                throw new FormatException($"CSV line {lineNumber}: {fields.Length} field(s), but the header has {header.Length}.");
            rows.Add(fields);
        }

        return (header, rows);
    }

    private static string[] SplitLine(string line, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c != '\r')
            {
                field.Append(c);
            }
        }

        if (quoted)
            throw new FormatException($"CSV line {lineNumber} has an unterminated quoted field.");
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
