namespace CareLedger.Vault.Search;

/// <summary>An index entry as stored: blinded tokens and references already hashed, open date ends as min/max.</summary>
internal sealed record IndexRow(string Parameter, IndexKind Kind, string? Token, double? Number, long? StartMs, long? EndMs)
{
    public static IndexRow From(IndexEntry entry, BlindIndex blind) => entry.Kind switch
    {
        IndexKind.Token => new(entry.Parameter, entry.Kind, entry.Token, null, null, null),
        IndexKind.BlindedToken => new(entry.Parameter, entry.Kind, blind.Token(entry.Parameter, entry.Token!), null, null, null),
        IndexKind.Reference => new(entry.Parameter, entry.Kind, blind.Reference(entry.ReferenceTarget!), null, null, null),
        IndexKind.Number => new(entry.Parameter, entry.Kind, null, (double)entry.Number!.Value, null, null),
        IndexKind.Date => new(entry.Parameter, entry.Kind, null, null,
            entry.RangeStartUnixMs ?? long.MinValue, entry.RangeEndUnixMs ?? long.MaxValue),
        _ => throw new ArgumentOutOfRangeException(nameof(entry), entry.Kind, "Unknown index kind."),
    };
}
