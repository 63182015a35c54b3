namespace CareLedger.Consent.Model;

/// <summary>
/// A half-open interval of time [<see cref="Start"/>, <see cref="End"/>): the start instant is inside, the end instant
/// is the first one outside. A missing bound is open. Use <see cref="FromFhir"/> to convert a FHIR <c>Period</c>,
/// whose end is inclusive at its own precision, without off-by-one errors.
/// </summary>
public readonly record struct Period(DateTimeOffset? Start, DateTimeOffset? End)
{
    public static Period Always => default;

    public bool Contains(DateTimeOffset instant) =>
        (Start is not { } start || instant >= start) && (End is not { } end || instant < end);

    /// <summary>True when the period cannot contain any instant (its end is not after its start).</summary>
    public bool IsEmpty => Start is { } start && End is { } end && end <= start;

    public bool Overlaps(Period other) =>
        (End is not { } end || other.Start is not { } otherStart || otherStart < end)
        && (other.End is not { } otherEnd || Start is not { } start || start < otherEnd);

    /// <summary>
    /// Converts FHIR <c>Period.start</c> / <c>Period.end</c> strings (<c>YYYY</c>, <c>YYYY-MM</c>, <c>YYYY-MM-DD</c> or a full
    /// dateTime with zone). FHIR's end includes every instant that matches it at its precision ("2024-12-31" includes
    /// the whole day), so the exclusive end is the first instant after that precision unit.
    /// </summary>
    /// <param name="dateOnlyOffset">The zone assumed for values without a time (FHIR leaves it to the data's source); UTC when null.</param>
    /// <exception cref="FormatException">A value is not a FHIR dateTime.</exception>
    public static Period FromFhir(string? start, string? end, TimeSpan? dateOnlyOffset = null)
    {
        var offset = dateOnlyOffset ?? TimeSpan.Zero;
        return new Period(
            start is null ? null : FhirDateTime.Parse(start, offset).First,
            end is null ? null : FhirDateTime.Parse(end, offset).FirstAfter);
    }

    public override string ToString() => $"[{Start?.ToString("O") ?? "-inf"}, {End?.ToString("O") ?? "+inf"})";
}
