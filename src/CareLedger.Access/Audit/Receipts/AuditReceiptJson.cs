using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.Receipts;
using LedgerReceipts = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Access.Audit.Receipts;

/// <summary>
/// The JSON form of <see cref="AuditReceipt"/>: one object with exactly the fields format, record, salt, batch,
/// batchSize, index, batchPath and anchor (a complete careledger-receipt/v1 object). Names are case-sensitive;
/// unknown, missing or repeated fields are errors.
/// </summary>
internal static class AuditReceiptJson
{
    private const string FormatField = "format";
    private const string RecordField = "record";
    private const string SaltField = "salt";
    private const string BatchField = "batch";
    private const string BatchSizeField = "batchSize";
    private const string IndexField = "index";
    private const string BatchPathField = "batchPath";
    private const string AnchorField = "anchor";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",
        // As in ledger receipts: the checkpoint's em dashes and base64 '+' stay readable; the document is data.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonDocumentOptions ReaderOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 6,
    };

    public static string Write(AuditReceipt receipt)
    {
        using var anchor = JsonDocument.Parse(LedgerReceipts.ToJson(receipt.Anchor));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString(FormatField, AuditReceipt.FormatV1);
            writer.WriteString(RecordField, Convert.ToBase64String(receipt.Record));
            writer.WriteString(SaltField, Convert.ToBase64String(receipt.Salt));
            writer.WriteNumber(BatchField, receipt.Batch);
            writer.WriteNumber(BatchSizeField, receipt.BatchSize);
            writer.WriteNumber(IndexField, receipt.Index);
            writer.WriteStartArray(BatchPathField);
            foreach (var hash in receipt.BatchPath)
            {
                writer.WriteStringValue(Convert.ToBase64String(hash));
            }

            writer.WriteEndArray();
            writer.WritePropertyName(AnchorField);
            anchor.RootElement.WriteTo(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    public static AuditReceipt Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ReaderOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Audit receipt is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Audit receipt must be a JSON object.");
            }

            string? format = null;
            byte[]? record = null, salt = null;
            long? batch = null, batchSize = null, index = null;
            List<byte[]>? path = null;
            Receipt? anchor = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case FormatField:
                        format = Once(format, property, () => String(property));
                        break;
                    case RecordField:
                        record = Once(record, property, () => Base64(property.Name, String(property)));
                        break;
                    case SaltField:
                        salt = Once(salt, property, () => Base64(property.Name, String(property)));
                        break;
                    case BatchField:
                        batch = Once(batch, property, () => NonNegativeInteger(property, long.MaxValue));
                        break;
                    case BatchSizeField:
                        batchSize = Once(batchSize, property, () => NonNegativeInteger(property, int.MaxValue));
                        break;
                    case IndexField:
                        index = Once(index, property, () => NonNegativeInteger(property, int.MaxValue));
                        break;
                    case BatchPathField:
                        path = Once(path, property, () => Path(property));
                        break;
                    case AnchorField:
                        anchor = Once(anchor, property, () => Anchor(property));
                        break;
                    default:
                        throw new FormatException($"Audit receipt has an unknown field '{property.Name}'.");
                }
            }

            if (format is null)
            {
                throw Missing(FormatField);
            }

            if (!string.Equals(format, AuditReceipt.FormatV1, StringComparison.Ordinal))
            {
                throw new FormatException($"Audit receipt format '{format}' is not {AuditReceipt.FormatV1}.");
            }

            return new AuditReceipt(
                record ?? throw Missing(RecordField),
                salt ?? throw Missing(SaltField),
                batch ?? throw Missing(BatchField),
                (int)(batchSize ?? throw Missing(BatchSizeField)),
                (int)(index ?? throw Missing(IndexField)),
                path ?? throw Missing(BatchPathField),
                anchor ?? throw Missing(AnchorField));
        }
    }

    private static T Once<T>(T? current, JsonProperty property, Func<T> read)
    {
        if (current is not null)
        {
            throw new FormatException($"Audit receipt repeats the field '{property.Name}'.");
        }

        return read();
    }

    private static FormatException Missing(string field) => new($"Audit receipt lacks the field '{field}'.");

    private static string String(JsonProperty property)
    {
        if (property.Value.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"Audit receipt field '{property.Name}' must be a string.");
        }

        return property.Value.GetString()!;
    }

    /// <summary>Standard base64 with padding, in its one canonical form (no stray bits, no whitespace).</summary>
    private static byte[] Base64(string field, string text)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new FormatException($"Audit receipt field '{field}' is not standard base64.");
        }

        if (!string.Equals(Convert.ToBase64String(bytes), text, StringComparison.Ordinal))
        {
            throw new FormatException($"Audit receipt field '{field}' is not canonical standard base64.");
        }

        return bytes;
    }

    private static long NonNegativeInteger(JsonProperty property, long max)
    {
        var value = property.Value;
        var raw = value.ValueKind == JsonValueKind.Number ? value.GetRawText() : "";
        if (raw.Length == 0 || raw.Any(c => c is < '0' or > '9')
            || !long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > max)
        {
            throw new FormatException($"Audit receipt field '{property.Name}' must be an integer from 0 to {max}.");
        }

        return number;
    }

    private static List<byte[]> Path(JsonProperty property)
    {
        if (property.Value.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"Audit receipt field '{property.Name}' must be an array of base64 hashes.");
        }

        var path = new List<byte[]>();
        foreach (var element in property.Value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"Audit receipt field '{property.Name}' holds a non-string at position {path.Count}.");
            }

            var hash = Base64($"{property.Name}[{path.Count}]", element.GetString()!);
            if (hash.Length != Rfc9162.HashSize)
            {
                throw new FormatException($"Audit receipt field '{property.Name}[{path.Count}]' is {hash.Length} bytes, not a {Rfc9162.HashSize}-byte hash.");
            }

            path.Add(hash);
        }

        return path;
    }

    private static Receipt Anchor(JsonProperty property)
    {
        if (property.Value.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"Audit receipt field '{property.Name}' must be a {Receipt.FormatV1} object.");
        }

        try
        {
            return LedgerReceipts.Parse(property.Value.GetRawText());
        }
        catch (FormatException e)
        {
            throw new FormatException($"Audit receipt field '{property.Name}': {e.Message}", e);
        }
    }
}
