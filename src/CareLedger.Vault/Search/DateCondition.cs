namespace CareLedger.Vault.Search;

/// <summary>
/// One date search value: the range its precision implies, in inclusive Unix milliseconds
/// (2020-03 is 2020-03-01T00:00:00.000 to 2020-03-31T23:59:59.999), compared with a FHIR R4 prefix against each
/// indexed range: eq = contained in the search range, ne = not contained, gt = ends after it, lt = starts before it,
/// ge/le = gt/lt or eq, sa = starts after it, eb = ends before it, ap = overlaps it.
/// </summary>
public sealed record DateCondition(SearchPrefix Prefix, long StartUnixMs, long EndUnixMs);
