using CareLedger.Vault.Keys;

namespace CareLedger.Vault.Tests.Keys;

public sealed class DataKeyCacheTests
{
    [Fact]
    public void The_least_recently_used_key_is_evicted_at_capacity()
    {
        using var cache = new DataKeyCache(capacity: 2);
        var buffer = new byte[32];
        cache.Add(1, Key(1));
        cache.Add(2, Key(2));
        Assert.True(cache.TryCopy(1, buffer));

        cache.Add(3, Key(3));

        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryCopy(2, buffer));
        Assert.True(cache.TryCopy(3, buffer));
        Assert.Equal(Key(3), buffer);
    }

    [Fact]
    public void A_forgotten_compartment_is_never_cached_again()
    {
        using var cache = new DataKeyCache(capacity: 4);
        cache.Add(7, Key(7));

        cache.Forget(7);
        cache.Add(7, Key(7));

        Assert.False(cache.TryCopy(7, new byte[32]));
        Assert.Equal(0, cache.Count);
    }

    private static byte[] Key(byte fill) => Enumerable.Repeat(fill, 32).ToArray();
}
