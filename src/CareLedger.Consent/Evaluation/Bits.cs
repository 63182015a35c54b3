namespace CareLedger.Consent.Evaluation;

/// <summary>Bit sets over interned ids, held in caller-provided (usually stack) memory.</summary>
internal static class Bits
{
    public static int WordsFor(int count) => (count + 63) >> 6;

    public static void Set(Span<ulong> bits, int id) => bits[id >> 6] |= 1UL << (id & 63);

    public static bool Test(ReadOnlySpan<ulong> bits, int id) => (bits[id >> 6] & (1UL << (id & 63))) != 0;
}
