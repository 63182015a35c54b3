namespace CareLedger.Ledger.Transactions;

/// <summary>Rules for the text fields of payloads, shared by encoding (ArgumentException) and decoding.</summary>
internal static class FieldRules
{
    /// <summary>Lowercase machine names: roles, anchor kinds ("audit-event", "model.card").</summary>
    public static string? NameProblem(string value, string field, int maxLength)
    {
        if (value.Length == 0 || value.Length > maxLength)
        {
            return $"{field} must be 1 to {maxLength} characters";
        }

        if (!char.IsAsciiLetterLower(value[0]))
        {
            return $"{field} must start with a lowercase letter";
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('-' or '.' or '/' or '_'))
            {
                return $"{field} may contain only a-z, 0-9, '-', '.', '/' and '_'";
            }
        }

        return null;
    }

    /// <summary>Human-readable labels (never a person's name): printable, no control characters.</summary>
    public static string? LabelProblem(string value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength)
        {
            return $"{field} must be 1 to {maxLength} characters, not blank";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return $"{field} must not contain control characters";
            }
        }

        return null;
    }

    public static string? BytesProblem(ReadOnlySpan<byte> value, string field, int minLength, int maxLength) =>
        value.Length < minLength || value.Length > maxLength
            ? minLength == maxLength ? $"{field} must be {minLength} bytes, not {value.Length}" : $"{field} must be {minLength} to {maxLength} bytes, not {value.Length}"
            : null;

    public static void ThrowIfProblem(string? problem, string context)
    {
        if (problem is not null)
        {
            throw new ArgumentException($"{context}: {problem}");
        }
    }

    public static void RejectIfProblem(string? problem, string context)
    {
        if (problem is not null)
        {
            throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{context}: {problem}");
        }
    }
}
