namespace CareLedger.Vault.Search;

/// <summary>How an index value is stored and compared. Persisted: these values only ever grow.</summary>
public enum IndexKind
{
    /// <summary>Stored as given (codes as "system|code", status, gender): for values that are not personal.</summary>
    Token = 1,

    /// <summary>Sensitive (names, identifiers, telecom, address, free text): the caller gives the normalized
    /// plaintext; only <c>BlindToken(parameter, value)</c> is stored. Equality search only.</summary>
    BlindedToken = 2,

    /// <summary>A decimal number, compared with FHIR prefixes.</summary>
    Number = 3,

    /// <summary>A date/time range in Unix milliseconds (either end may be open), compared with FHIR prefixes.</summary>
    Date = 4,

    /// <summary>A reference "Type/id" (or an absolute URL); stored only as a keyed hash, so equality search only.</summary>
    Reference = 5,
}
