using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Merkle;

namespace CareLedger.Ledger.Receipts;

/// <summary>
/// The JSON form of <see cref="Receipt"/>: one object with exactly the fields format, transaction, leafIndex,
/// treeSize, inclusionPath and checkpoint (names case-sensitive; unknown, missing or repeated fields are errors).
/// </summary>
internal static class ReceiptJson
{
    private const string FormatField = "format";
    private const string TransactionField = "transaction";
    private const string LeafIndexField = "leafIndex";
    private const string TreeSizeField = "treeSize";
    private const string InclusionPathField = "inclusionPath";
    private const string CheckpointField = "checkpoint";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",
        // The checkpoint's em dashes and base64 '+' stay readable; the document is data, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonDocumentOptions ReaderOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 4,
    };

    public static string Write(Receipt receipt)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString(FormatField, Receipt.FormatV1);
            writer.WriteString(TransactionField, Convert.ToBase64String(receipt.Transaction));
            writer.WriteNumber(LeafIndexField, receipt.LeafIndex);
            writer.WriteNumber(TreeSizeField, receipt.TreeSize);
            writer.WriteStartArray(InclusionPathField);
            foreach (var hash in receipt.InclusionPath)
                writer.WriteStringValue(Convert.ToBase64String(hash));
            writer.WriteEndArray();
            writer.WriteString(CheckpointField, receipt.Checkpoint);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    public static Receipt Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ReaderOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Receipt is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new FormatException("Receipt must be a JSON object.");

            string? format = null, checkpoint = null;
            byte[]? transaction = null;
            long? leafIndex = null, treeSize = null;
            List<byte[]>? path = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case FormatField:
                        format = Once(format, property, () => String(property));
                        break;
                    case TransactionField:
                        transaction = Once(transaction, property, () => Base64(property.Name, String(property)));
                        break;
                    case LeafIndexField:
                        leafIndex = Once(leafIndex, property, () => NonNegativeInteger(property));
                        break;
                    case TreeSizeField:
                        treeSize = Once(treeSize, property, () => NonNegativeInteger(property));
                        break;
                    case InclusionPathField:
                        path = Once(path, property, () => Path(property));
                        break;
                    case CheckpointField:
                        checkpoint = Once(checkpoint, property, () => String(property));
                        break;
                    default:
                        throw new FormatException($"Receipt has an unknown field '{property.Name}'.");
                }
            }

            if (format is null)
                throw Missing(FormatField);
            if (!string.Equals(format, Receipt.FormatV1, StringComparison.Ordinal))
                throw new FormatException($"Receipt format '{format}' is not {Receipt.FormatV1}.");
            return new Receipt(
                transaction ?? throw Missing(TransactionField),
                leafIndex ?? throw Missing(LeafIndexField),
                treeSize ?? throw Missing(TreeSizeField),
                path ?? throw Missing(InclusionPathField),
                checkpoint ?? throw Missing(CheckpointField));
        }
    }

    private static T Once<T>(T? current, JsonProperty property, Func<T> read)
    {
        if (current is not null)
            throw new FormatException($"Receipt repeats the field '{property.Name}'.");
        return read();
    }

    private static FormatException Missing(string field) => new($"Receipt lacks the field '{field}'.");

    private static string String(JsonProperty property)
    {
        if (property.Value.ValueKind != JsonValueKind.String)
            throw new FormatException($"Receipt field '{property.Name}' must be a string.");
        return property.Value.GetString()!;
    }

    private static byte[] Base64(string field, string text)
    {
        if (!NoteSyntax.TryDecodeBase64(text, out var bytes))
            throw new FormatException($"Receipt field '{field}' is not canonical standard base64.");
        return bytes;
    }

    private static long NonNegativeInteger(JsonProperty property)
    {
        var value = property.Value;
        var raw = value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "";
        if (raw.Length == 0 || raw.Any(c => c is < '0' or > '9') || !long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            throw new FormatException($"Receipt field '{property.Name}' must be a non-negative integer.");
        return number;
    }

    private static List<byte[]> Path(JsonProperty property)
    {
        if (property.Value.ValueKind != JsonValueKind.Array)
            throw new FormatException($"Receipt field '{property.Name}' must be an array of base64 hashes.");
        var path = new List<byte[]>();
        foreach (var element in property.Value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
                throw new FormatException($"Receipt field '{property.Name}' holds a non-string at position {path.Count}.");
            var hash = Base64($"{property.Name}[{path.Count}]", element.GetString()!);
            if (hash.Length != Rfc9162.HashSize)
                throw new FormatException($"Receipt field '{property.Name}[{path.Count}]' is {hash.Length} bytes, not a {Rfc9162.HashSize}-byte hash.");
            path.Add(hash);
        }

        return path;
    }
}
