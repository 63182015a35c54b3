using System.Buffers.Binary;
using System.Text;

namespace CareLedger.Vault.Records;

/// <summary>
/// GCM associated data of a record version (format 1), binding the ciphertext to where it is stored:
/// <c>u8 format ‖ u16be len ‖ compartment ‖ u16be len ‖ resourceType ‖ u16be len ‖ id ‖ u32be version ‖
/// u8 deleted ‖ i64be lastUpdatedUnixMs</c>. A ciphertext moved to another row, or a row whose identity or
/// metadata was edited, fails to decrypt.
/// </summary>
internal static class RecordAssociatedData
{
    public const byte Format = 1;

    public static byte[] Build(ReadOnlySpan<byte> compartment, string resourceType, string id, int version, bool deleted, long lastUpdatedUnixMs)
    {
        var typeBytes = Encoding.UTF8.GetBytes(resourceType);
        var idBytes = Encoding.UTF8.GetBytes(id);
        var aad = new byte[1 + 2 + compartment.Length + 2 + typeBytes.Length + 2 + idBytes.Length + 4 + 1 + 8];
        var rest = aad.AsSpan();
        rest[0] = Format;
        rest = rest[1..];
        rest = WriteField(rest, compartment);
        rest = WriteField(rest, typeBytes);
        rest = WriteField(rest, idBytes);
        BinaryPrimitives.WriteUInt32BigEndian(rest, checked((uint)version));
        rest[4] = deleted ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(rest[5..], lastUpdatedUnixMs);
        return aad;
    }

    private static Span<byte> WriteField(Span<byte> destination, ReadOnlySpan<byte> field)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, checked((ushort)field.Length));
        field.CopyTo(destination[2..]);
        return destination[(2 + field.Length)..];
    }
}
