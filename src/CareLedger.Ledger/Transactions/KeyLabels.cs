namespace CareLedger.Ledger.Transactions;

/// <summary>
/// The label that binds a patient or delegate key to one patient: <c>pseudonym:</c> followed by the 32 lowercase hex
/// digits of the patient's random 16-byte pseudonym (never a name or an identifier).
/// </summary>
public static class KeyLabels
{
    public const string PseudonymPrefix = "pseudonym:";

    public static string ForPseudonym(ReadOnlySpan<byte> pseudonym)
    {
        if (pseudonym.Length != PatientErasedPayload.PseudonymLength)
        {
            throw new ArgumentException($"a pseudonym is {PatientErasedPayload.PseudonymLength} bytes, not {pseudonym.Length}", nameof(pseudonym));
        }

        return PseudonymPrefix + Convert.ToHexStringLower(pseudonym);
    }

    /// <summary>The pseudonym a label binds, or null when the label is not exactly <c>pseudonym:&lt;32 lowercase hex&gt;</c>.</summary>
    public static byte[]? PseudonymOf(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var hex = label.AsSpan();
        if (!hex.StartsWith(PseudonymPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        hex = hex[PseudonymPrefix.Length..];
        if (hex.Length != PatientErasedPayload.PseudonymLength * 2)
        {
            return null;
        }

        foreach (var c in hex)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return null;
            }
        }

        return Convert.FromHexString(hex);
    }
}
