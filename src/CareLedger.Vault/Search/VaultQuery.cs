namespace CareLedger.Vault.Search;

/// <summary>
/// A search over the current, committed, non-deleted version of each resource of one type. All filters AND together.
/// </summary>
public sealed record VaultQuery(string ResourceType)
{
    public IReadOnlyList<SearchPredicate> Predicates { get; init; } = [];

    /// <summary>Only resources in this patient's compartment (as assigned at Stage).</summary>
    public string? PatientId { get; init; }

    /// <summary>FHIR <c>_id</c>: only these logical ids.</summary>
    public IReadOnlyList<string>? Ids { get; init; }

    /// <summary>FHIR <c>_lastUpdated</c>: every condition must hold.</summary>
    public IReadOnlyList<DateCondition> LastUpdated { get; init; } = [];

    /// <summary>Sort keys in order; ties (and no keys) fall back to insertion order.</summary>
    public IReadOnlyList<VaultSort> Sort { get; init; } = [];

    public int Skip { get; init; }

    /// <summary>
    /// Keyset paging: only resources whose logical id sorts after this one. With <see cref="Sort"/> = [<see cref="VaultSort.ById"/>()]
    /// alone, a page that starts after the last id of the one before misses nothing and repeats nothing, however many records
    /// are written or deleted between the two (as an offset would).
    /// </summary>
    public string? AfterId { get; init; }

    public int Take { get; init; } = 50;

    /// <summary>Also count every match (FHIR <c>_total=accurate</c>).</summary>
    public bool IncludeTotal { get; init; }
}
