using CareLedger.Vault.Search;

namespace CareLedger.Fhir.Search;

/// <summary>An <c>_include</c>: follow <see cref="Parameter"/> of <see cref="SourceType"/> resources (to <see cref="TargetType"/> only, if set).</summary>
public sealed record IncludeRequest(string SourceType, string Parameter, string? TargetType)
{
    public override string ToString() => TargetType is null ? $"{SourceType}:{Parameter}" : $"{SourceType}:{Parameter}:{TargetType}";
}

/// <summary>
/// A parsed FHIR search: the vault query (filters and sort) plus paging and includes.
/// <see cref="CanonicalParameters"/> are the parameters as understood, used for the self and paging links.
/// </summary>
public sealed record SearchRequest(
    string ResourceType,
    VaultQuery Query,
    IReadOnlyList<IncludeRequest> Includes,
    int Count,
    SearchCursor? Cursor,
    bool IncludeTotal,
    IReadOnlyList<KeyValuePair<string, string>> CanonicalParameters)
{
    /// <summary>
    /// Date conditions on coarsely indexed parameters (birth dates are indexed by year only, see
    /// <see cref="SearchTokens.CoarseDateParameters"/>): the vault query finds a superset, and these conditions are
    /// checked again on each resource's exact value, which also orders results sorted by such a parameter.
    /// </summary>
    public IReadOnlyList<DatePredicate> ExactDateChecks { get; init; } = [];

    /// <summary>Sort by a coarsely indexed parameter: the exact order is established after reading.</summary>
    public VaultSort? ExactSort { get; init; }

    public bool NeedsExactPass => ExactDateChecks.Count > 0 || ExactSort is not null;
}
