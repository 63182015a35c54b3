namespace CareLedger.Access.Store;

/// <summary>The vault's random 16-byte patient pseudonym, as the registries check and print it.</summary>
internal static class Pseudonym
{
    public const int Length = 16;

    public static void ThrowIfInvalid(byte[]? pseudonym, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(pseudonym, parameterName);
        if (pseudonym.Length != Length)
        {
            throw new ArgumentException($"a patient pseudonym is {Length} bytes, not {pseudonym.Length}", parameterName);
        }
    }

    /// <summary>32 lowercase hex digits.</summary>
    public static string Hex(byte[] pseudonym) => Convert.ToHexStringLower(pseudonym);
}
