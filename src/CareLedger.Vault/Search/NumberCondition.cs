namespace CareLedger.Vault.Search;

/// <summary>
/// One number search value. For <see cref="SearchPrefix.Eq"/> and <see cref="SearchPrefix.Ne"/> the value's written
/// precision sets the implicit range, as FHIR says: 100 matches [99.5, 100.5), 100.00 matches [99.995, 100.005).
/// </summary>
public sealed record NumberCondition(SearchPrefix Prefix, decimal Value);
