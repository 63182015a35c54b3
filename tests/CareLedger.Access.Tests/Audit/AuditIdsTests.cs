using CareLedger.Access.Audit;

namespace CareLedger.Access.Tests.Audit;

/// <summary>The door's audit-record ids are RFC 9562 UUIDv7: time-ordered by millisecond, version 7, variant 10, random and unique.</summary>
public sealed class AuditIdsTests
{
    [Fact]
    public void An_id_is_a_version_7_uuid_of_its_millisecond()
    {
        var time = new DateTimeOffset(2026, 12, 5, 13, 4, 5, 678, TimeSpan.Zero);

        var id = AuditIds.New(time);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        var text = id.ToString("N");
        Assert.Equal(time.ToUnixTimeMilliseconds(), Convert.ToInt64(text[..12], 16));
        Assert.Equal(id, Guid.Parse(text));
    }

    [Fact]
    public void Ids_of_one_millisecond_on_many_threads_are_all_different_and_their_random_bits_vary()
    {
        var time = DateTimeOffset.UtcNow;
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 8, _ =>
        {
            // More than one refill of each thread's buffer.
            for (var i = 0; i < 1000; i++)
            {
                ids.Add(AuditIds.New(time));
            }
        });

        Assert.Equal(8000, ids.Distinct().Count());
        // Every one of the 74 random bits takes both values somewhere (a stuck or zeroed buffer would not).
        var bytes = ids.Select(g => g.ToByteArray(bigEndian: true)).ToList();
        for (var b = 6; b < 16; b++)
        {
            var mask = b switch { 6 => 0x0F, 8 => 0x3F, _ => 0xFF };
            var ones = bytes.Aggregate(0, (acc, x) => acc | x[b]) & mask;
            var zeros = bytes.Aggregate(0, (acc, x) => acc | ~x[b]) & mask;
            Assert.Equal(mask, ones);
            Assert.Equal(mask, zeros);
        }
    }

    [Fact]
    public void A_time_before_the_epoch_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AuditIds.New(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }
}
