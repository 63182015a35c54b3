namespace CareLedger.Vault.Search;

/// <summary>
/// One search parameter of a query. Predicates of a query AND together; the values inside one predicate OR together.
/// </summary>
public abstract record SearchPredicate(string Parameter);

/// <summary>Matches resources with a token of <see cref="IndexKind.Token"/> or <see cref="IndexKind.BlindedToken"/>
/// (then give the normalized plaintext; the vault blinds it) equal to any of <see cref="Values"/>.
/// <see cref="Negated"/> (FHIR <c>:not</c>) matches resources without any of them.</summary>
public sealed record TokenPredicate(string Parameter, IReadOnlyList<string> Values, bool Blinded = false) : SearchPredicate(Parameter)
{
    public bool Negated { get; init; }
}

/// <summary>Matches resources with a number satisfying any of <see cref="Conditions"/>.</summary>
public sealed record NumberPredicate(string Parameter, IReadOnlyList<NumberCondition> Conditions) : SearchPredicate(Parameter);

/// <summary>Matches resources with a date range satisfying any of <see cref="Conditions"/>.</summary>
public sealed record DatePredicate(string Parameter, IReadOnlyList<DateCondition> Conditions) : SearchPredicate(Parameter);

/// <summary>Matches resources referring to any of <see cref="Targets"/>, each exactly as indexed ("Patient/123").
/// A bare id must be expanded by the caller into every allowed target type.</summary>
public sealed record ReferencePredicate(string Parameter, IReadOnlyList<string> Targets) : SearchPredicate(Parameter);

/// <summary>FHIR <c>:missing</c>: resources with no (<see cref="Missing"/> true) or some (false) value of the parameter and kind.</summary>
public sealed record MissingPredicate(string Parameter, IndexKind Kind, bool Missing) : SearchPredicate(Parameter);
