namespace CareLedger.Vault.Search;

/// <summary>One page of hits, and the number of all hits when <see cref="VaultQuery.IncludeTotal"/> was set.</summary>
public sealed record VaultQueryResult(IReadOnlyList<RecordHead> Records, int? Total);
