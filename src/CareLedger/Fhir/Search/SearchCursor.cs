using System.Buffers.Binary;
using System.Buffers.Text;
using CareLedger.Fhir.Errors;

namespace CareLedger.Fhir.Search;

/// <summary>
/// Where the next page starts: an offset into the result of the same query restricted to resources last updated
/// at or before <see cref="SnapshotUnixMs"/> (the first page's time). Resources created or changed after the first
/// page was served do not shift later pages, so a client walking the links sees each match at most once.
/// </summary>
public readonly record struct SearchCursor(long SnapshotUnixMs, int Offset)
{
    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[12];
        BinaryPrimitives.WriteInt64BigEndian(bytes, SnapshotUnixMs);
        BinaryPrimitives.WriteInt32BigEndian(bytes[8..], Offset);
        return Base64Url.EncodeToString(bytes);
    }

    public static SearchCursor Decode(string text)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != 12)
        {
            throw FhirProblemException.BadRequest("the paging cursor is not one this server issued; follow the links of a search result");
        }

        var cursor = new SearchCursor(BinaryPrimitives.ReadInt64BigEndian(bytes), BinaryPrimitives.ReadInt32BigEndian(bytes[8..]));
        return cursor.Offset < 0
            ? throw FhirProblemException.BadRequest("the paging cursor is not one this server issued; follow the links of a search result")
            : cursor;
    }
}
