using System.Globalization;
using System.Text.Json;

namespace CareLedger.Fhir.Storage;

/// <summary>
/// Reads meta.versionId and meta.lastUpdated from a stored resource's canonical JSON without parsing the resource:
/// the server wrote them, so a read by id needs no second query for its ETag and Last-Modified.
/// </summary>
public static class StoredMeta
{
    public static (int Version, DateTimeOffset LastUpdated)? Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("meta"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            string? version = null, lastUpdated = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("versionId"u8);
                var isUpdated = !isVersion && reader.ValueTextEquals("lastUpdated"u8);
                reader.Read();
                if (isVersion)
                {
                    version = reader.GetString();
                }
                else if (isUpdated)
                {
                    lastUpdated = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            return int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                   && DateTimeOffset.TryParse(lastUpdated, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var updated)
                ? (v, updated)
                : null;
        }

        return null;
    }
}
