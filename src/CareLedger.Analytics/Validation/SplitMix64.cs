namespace CareLedger.Analytics.Validation;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator whose output is fixed by its definition, unlike
/// System.Random, so a fold assignment can be re-derived in any language from the seed.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        var z = _state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound); the modulo bias is below 2^-50 for the sizes used here.</summary>
    public int NextBelow(int bound) => (int)(Next() % (ulong)bound);
}
