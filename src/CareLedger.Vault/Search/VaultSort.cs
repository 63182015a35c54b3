namespace CareLedger.Vault.Search;

/// <summary>What a query sorts by.</summary>
public enum VaultSortKey
{
    LastUpdated,
    Id,
    Parameter,
}

/// <summary>
/// One sort key. By a parameter: Date sorts by the earliest start ascending and the latest end descending (as FHIR
/// says for ranges), Number by the smallest/largest value, Token (plain tokens only) by the lowest/highest token;
/// resources without the parameter come last.
/// </summary>
public sealed record VaultSort(VaultSortKey Key, bool Descending = false, string? Parameter = null, IndexKind Kind = IndexKind.Date)
{
    public static VaultSort ByLastUpdated(bool descending = false) => new(VaultSortKey.LastUpdated, descending);

    public static VaultSort ById(bool descending = false) => new(VaultSortKey.Id, descending);

    public static VaultSort ByParameter(string parameter, IndexKind kind, bool descending = false) =>
        new(VaultSortKey.Parameter, descending, parameter, kind);
}
