using CareLedger.Fhir.Errors;
using CareLedger.Vault.Search;

namespace CareLedger.Fhir.Search;

/// <summary>
/// Evaluates a search against the index entries of a resource that is not stored yet, so that a conditional
/// reference or conditional create inside a transaction also finds what the same transaction creates.
/// Same semantics as the vault's query for the predicates a condition can hold.
/// </summary>
public static class PendingMatcher
{
    public static bool Matches(VaultQuery query, string resourceType, string id, IReadOnlyList<IndexEntry> index)
    {
        if (query.ResourceType != resourceType || (query.Ids is { } ids && !ids.Contains(id)))
        {
            return false;
        }

        return query.Predicates.All(p => Matches(p, index));
    }

    private static bool Matches(SearchPredicate predicate, IReadOnlyList<IndexEntry> index)
    {
        var values = index.Where(e => e.Parameter == predicate.Parameter).ToList();
        return predicate switch
        {
            TokenPredicate t => t.Negated != values.Any(e => e.Token is { } token && t.Values.Contains(token)),
            ReferencePredicate r => values.Any(e => e.ReferenceTarget is { } target && r.Targets.Contains(target)),
            DatePredicate d => values.Any(e => d.Conditions.Any(c => DateMatches(c, e.RangeStartUnixMs ?? long.MinValue, e.RangeEndUnixMs ?? long.MaxValue))),
            MissingPredicate m => m.Missing == (values.Count == 0),
            _ => throw FhirProblemException.NotSupported($"'{predicate.Parameter}' cannot be used in a condition inside a transaction"),
        };
    }

    /// <summary>FHIR R4 date prefixes over inclusive millisecond ranges (as the vault documents in DateCondition).</summary>
    public static bool DateMatches(DateCondition c, long start, long end) => c.Prefix switch
    {
        SearchPrefix.Eq => start >= c.StartUnixMs && end <= c.EndUnixMs,
        SearchPrefix.Ne => !(start >= c.StartUnixMs && end <= c.EndUnixMs),
        SearchPrefix.Gt => end > c.EndUnixMs,
        SearchPrefix.Lt => start < c.StartUnixMs,
        SearchPrefix.Ge => end > c.EndUnixMs || (start >= c.StartUnixMs && end <= c.EndUnixMs),
        SearchPrefix.Le => start < c.StartUnixMs || (start >= c.StartUnixMs && end <= c.EndUnixMs),
        SearchPrefix.Sa => start > c.EndUnixMs,
        SearchPrefix.Eb => end < c.StartUnixMs,
        SearchPrefix.Ap => start <= c.EndUnixMs && end >= c.StartUnixMs,
        _ => false,
    };
}
