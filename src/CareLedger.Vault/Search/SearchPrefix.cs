namespace CareLedger.Vault.Search;

/// <summary>FHIR R4 search prefixes (https://hl7.org/fhir/R4/search.html#prefix).</summary>
public enum SearchPrefix
{
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    /// <summary>Starts after: the indexed value begins after the search value ends.</summary>
    Sa,
    /// <summary>Ends before: the indexed value ends before the search value begins.</summary>
    Eb,
    /// <summary>Approximately: numbers within 10 %; dates whose range overlaps the search range.</summary>
    Ap,
}
