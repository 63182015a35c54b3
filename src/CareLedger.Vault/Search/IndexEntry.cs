namespace CareLedger.Vault.Search;

/// <summary>
/// One search index value of a resource version, extracted by the caller. Exactly the fields of its
/// <see cref="Kind"/> are set: Token for Token/BlindedToken, Number, RangeStart/EndUnixMs (inclusive; null = open)
/// for Date, ReferenceTarget for Reference.
/// </summary>
public sealed record IndexEntry(
    string Parameter,
    IndexKind Kind,
    string? Token = null,
    decimal? Number = null,
    long? RangeStartUnixMs = null,
    long? RangeEndUnixMs = null,
    string? ReferenceTarget = null)
{
    public static IndexEntry ForToken(string parameter, string token) => new(parameter, IndexKind.Token, Token: token);

    public static IndexEntry ForBlindedToken(string parameter, string normalizedValue) =>
        new(parameter, IndexKind.BlindedToken, Token: normalizedValue);

    public static IndexEntry ForNumber(string parameter, decimal value) => new(parameter, IndexKind.Number, Number: value);

    public static IndexEntry ForDate(string parameter, long? startUnixMs, long? endUnixMs) =>
        new(parameter, IndexKind.Date, RangeStartUnixMs: startUnixMs, RangeEndUnixMs: endUnixMs);

    public static IndexEntry ForReference(string parameter, string target) =>
        new(parameter, IndexKind.Reference, ReferenceTarget: target);
}
