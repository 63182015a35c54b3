using System.Formats.Cbor;
using System.Text;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The strict CBOR reading shared by transactions and payloads. Items are read leniently and in a fixed
/// order (map keys are small unsigned integers, ascending), then the decoded value is re-encoded in RFC 8949
/// §4.2 deterministic form and compared byte for byte: any other encoding of the same value is refused, so
/// one value has exactly one encoding and one hash.
/// </summary>
internal static class CanonicalCbor
{
    public static CborWriter NewWriter() => new(CborConformanceMode.Canonical, convertIndefiniteLengthEncodings: false);

    /// <summary>Decodes with <paramref name="read"/>, then refuses trailing bytes and any non-canonical encoding.</summary>
    public static T Decode<T>(ReadOnlyMemory<byte> data, string context, Func<CborReader, T> read, Func<T, byte[]> encode)
    {
        var reader = new CborReader(data, CborConformanceMode.Lax);
        T value;
        try
        {
            value = read(reader);
            if (reader.BytesRemaining != 0)
            {
                throw new InvalidTransactionException(TransactionErrors.TrailingBytes, $"{context}: {reader.BytesRemaining} bytes after the end");
            }
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or OverflowException or FormatException or DecoderFallbackException)
        {
            throw new InvalidTransactionException(TransactionErrors.Malformed, $"{context}: {e.Message}", e);
        }

        if (!encode(value).AsSpan().SequenceEqual(data.Span))
        {
            throw new InvalidTransactionException(TransactionErrors.NonCanonical, $"{context}: not in canonical (deterministic) CBOR encoding");
        }

        return value;
    }

    /// <summary>Reads the start of a definite-length map and returns its size, which must lie in [min, max].</summary>
    public static int ReadMapStart(CborReader reader, string context, int min, int max)
    {
        var count = reader.ReadStartMap()
            ?? throw new InvalidTransactionException(TransactionErrors.NonCanonical, $"{context}: indefinite-length map");
        if (count < min || count > max)
        {
            throw new InvalidTransactionException(TransactionErrors.Malformed,
                min == max ? $"{context}: a map of {min} fields expected, found {count}" : $"{context}: a map of {min} to {max} fields expected, found {count}");
        }

        return count;
    }

    public static int ReadArrayStart(CborReader reader, string context, int min, int max)
    {
        var count = reader.ReadStartArray()
            ?? throw new InvalidTransactionException(TransactionErrors.NonCanonical, $"{context}: indefinite-length array");
        if (count < min || count > max)
        {
            throw new InvalidTransactionException(TransactionErrors.Malformed, $"{context}: an array of {min} to {max} items expected, found {count}");
        }

        return count;
    }

    /// <summary>The next map key; it must be <paramref name="expected"/> (keys are fixed and ascending).</summary>
    public static void ExpectKey(CborReader reader, uint expected, string context, string field)
    {
        if (reader.PeekState() != CborReaderState.UnsignedInteger)
        {
            throw new InvalidTransactionException(TransactionErrors.Malformed, $"{context}: field {expected} ({field}) expected, found a {reader.PeekState()} key");
        }

        var key = reader.ReadUInt64();
        if (key != expected)
        {
            throw new InvalidTransactionException(TransactionErrors.Malformed, $"{context}: field {expected} ({field}) expected, found field {key}");
        }
    }

    public static ulong ReadUInt(CborReader reader, string context, string field)
    {
        if (reader.PeekState() != CborReaderState.UnsignedInteger)
        {
            throw new InvalidTransactionException(TransactionErrors.Malformed, $"{context}: {field} must be an unsigned integer, found {reader.PeekState()}");
        }

        return reader.ReadUInt64();
    }

    /// <summary>A definite-length byte string as a slice of <paramref name="source"/> (no copy).</summary>
    public static ReadOnlyMemory<byte> ReadBytes(CborReader reader, ReadOnlyMemory<byte> source, string context, string field, int minLength, int maxLength)
    {
        var state = reader.PeekState();
        if (state == CborReaderState.StartIndefiniteLengthByteString)
        {
            throw new InvalidTransactionException(TransactionErrors.NonCanonical, $"{context}: {field} is an indefinite-length byte string");
        }

        if (state != CborReaderState.ByteString)
        {
            throw new InvalidTransactionException(TransactionErrors.Malformed, $"{context}: {field} must be a byte string, found {state}");
        }

        var start = source.Length - reader.BytesRemaining;
        reader.SkipValue();
        var end = source.Length - reader.BytesRemaining;
        var item = source[start..end];
        var content = item[HeaderLength(item.Span[0])..];
        if (content.Length < minLength || content.Length > maxLength)
        {
            throw new InvalidTransactionException(TransactionErrors.BadLength,
                minLength == maxLength
                    ? $"{context}: {field} must be {minLength} bytes, found {content.Length}"
                    : $"{context}: {field} must be {minLength} to {maxLength} bytes, found {content.Length}");
        }

        return content;
    }

    public static string ReadText(CborReader reader, string context, string field, int maxLength)
    {
        var state = reader.PeekState();
        if (state != CborReaderState.TextString)
        {
            throw new InvalidTransactionException(
                state == CborReaderState.StartIndefiniteLengthTextString ? TransactionErrors.NonCanonical : TransactionErrors.Malformed,
                $"{context}: {field} must be a definite-length text string, found {state}");
        }

        var text = reader.ReadTextString();
        if (text.Length > maxLength)
        {
            throw new InvalidTransactionException(TransactionErrors.BadLength, $"{context}: {field} is longer than {maxLength} characters");
        }

        return text;
    }

    /// <summary>Size of a definite-length major-type header from its initial byte (RFC 8949 §3).</summary>
    private static int HeaderLength(byte initial) => (initial & 0x1F) switch
    {
        < 24 => 1,
        24 => 2,
        25 => 3,
        26 => 5,
        _ => 9,
    };
}
