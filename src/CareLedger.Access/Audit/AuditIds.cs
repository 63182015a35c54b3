using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CareLedger.Access.Audit;

/// <summary>
/// Ids of the door's audit records: RFC 9562 UUIDv7, as <see cref="Guid.CreateVersion7(DateTimeOffset)"/> makes them
/// (48 bits of Unix milliseconds, the version, 74 random bits, the variant), with the random bits taken from a per-thread
/// buffer of the operating system's CSPRNG refilled every <see cref="IdsPerRefill"/> ids. The door builds one id on every
/// read, and one call into the CSPRNG per id was most of the cost of building an audit record (measured with
/// <c>bench door</c> under dotnet-trace); one call per 256 ids keeps the bits as random and the ids as unique.
/// </summary>
internal static class AuditIds
{
    private const int RandomBytesPerId = 10;
    private const int IdsPerRefill = 256;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_next;

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="time"/> is before the Unix epoch.</exception>
    public static Guid New(DateTimeOffset time)
    {
        var milliseconds = time.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(time));
        var random = t_random;
        if (random is null || t_next == random.Length)
        {
            random = t_random ??= new byte[RandomBytesPerId * IdsPerRefill];
            RandomNumberGenerator.Fill(random);
            t_next = 0;
        }

        Span<byte> id = stackalloc byte[16];
        Span<byte> clock = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(clock, milliseconds);
        clock[2..].CopyTo(id);
        var bits = random.AsSpan(t_next, RandomBytesPerId);
        bits.CopyTo(id[6..]);
        // Used bits are not left behind in the buffer.
        bits.Clear();
        t_next += RandomBytesPerId;
        id[6] = (byte)(0x70 | (id[6] & 0x0F));
        id[8] = (byte)(0x80 | (id[8] & 0x3F));
        return new Guid(id, bigEndian: true);
    }
}
