using CareLedger.Vault.Records;

namespace CareLedger.Vault.Search;

/// <summary>Checks index entries and queries before anything is written or run; messages name what is wrong
/// (parameter names and positions, never values, which may be personal).</summary>
internal static class SearchValidation
{
    public const int MaxParameterLength = 128;
    public const int MaxValueLength = 4096;
    public const int MaxValuesPerPredicate = 1000;

    public static void ValidateParameter(string? parameter, string what)
    {
        if (!IsValidParameter(parameter))
        {
            throw new ArgumentException(
                $"{what}: parameter name '{parameter}' must be 1 to {MaxParameterLength} of A-Z a-z 0-9 _ - . :");
        }
    }

    public static void ValidateEntry(IndexEntry? entry, string what) => CheckEntry(entry, what);

    /// <summary>
    /// The same check for the <paramref name="position"/>th entry of a staged version: the description of where the entry
    /// sits is built only when the entry is wrong (an import stages ten entries per resource, nearly always right).
    /// </summary>
    public static void ValidateEntry(IndexEntry? entry, RecordAddress address, int position)
    {
        if (!CheckEntry(entry, null))
        {
            CheckEntry(entry, $"{address} index entry {position}");
        }
    }

    /// <summary>Throws on the first problem when <paramref name="what"/> is given; without it, answers false instead.</summary>
    private static bool CheckEntry(IndexEntry? entry, string? what)
    {
        if (entry is null)
        {
            return what is null ? false : throw new ArgumentException($"{what} is null.");
        }

        if (!IsValidParameter(entry.Parameter))
        {
            return what is null ? false : throw new ArgumentException(
                $"{what}: parameter name '{entry.Parameter}' must be 1 to {MaxParameterLength} of A-Z a-z 0-9 _ - . :");
        }

        var hasToken = entry.Token is not null;
        var hasNumber = entry.Number is not null;
        var hasRange = entry.RangeStartUnixMs is not null || entry.RangeEndUnixMs is not null;
        var hasReference = entry.ReferenceTarget is not null;
        (bool Token, bool Number, bool Range, bool Reference)? wanted = entry.Kind switch
        {
            IndexKind.Token or IndexKind.BlindedToken => (true, false, false, false),
            IndexKind.Number => (false, true, false, false),
            IndexKind.Date => (false, false, true, false),
            IndexKind.Reference => (false, false, false, true),
            _ => null,
        };
        if (wanted is not var (wantToken, wantNumber, wantRange, wantReference))
        {
            return what is null ? false : throw new ArgumentException($"{what}: index kind {(int)entry.Kind} is not defined.");
        }

        if (hasToken != wantToken || hasNumber != wantNumber || hasRange != wantRange || hasReference != wantReference)
        {
            return what is null ? false : throw new ArgumentException($"{Named(what, entry)} must set exactly the field of its kind.");
        }

        if ((wantToken && !IsValidValue(entry.Token)) || (wantReference && !IsValidValue(entry.ReferenceTarget)))
        {
            return what is null ? false : throw new ArgumentException(
                $"{Named(what, entry)}: a value is empty or longer than {MaxValueLength} characters.");
        }

        if (entry.RangeStartUnixMs > entry.RangeEndUnixMs)
        {
            return what is null ? false : throw new ArgumentException($"{Named(what, entry)}: the range starts after it ends.");
        }

        return true;
    }

    private static string Named(string what, IndexEntry entry) => $"{what} ('{entry.Parameter}', {entry.Kind})";

    private static bool IsValidParameter(string? parameter)
    {
        if (string.IsNullOrEmpty(parameter) || parameter.Length > MaxParameterLength)
        {
            return false;
        }

        foreach (var c in parameter)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    public static void ValidateQuery(VaultQuery? query)
    {
        ArgumentNullException.ThrowIfNull(query);
        RecordNames.ValidateType(query.ResourceType, nameof(query));
        if (query.Skip < 0 || query.Take < 0)
        {
            throw new ArgumentException("Query Skip and Take must not be negative.", nameof(query));
        }

        if (query.PatientId is not null)
        {
            RecordNames.ValidatePatientId(query.PatientId, nameof(query));
        }

        if (query.AfterId is not null)
        {
            RecordNames.ValidateId(query.AfterId, nameof(query));
            if (query.Sort is not [{ Key: VaultSortKey.Id, Descending: false }])
            {
                throw new ArgumentException("Query AfterId pages by id: sort by id, ascending, and by nothing else.", nameof(query));
            }
        }

        if (query.Ids is not null)
        {
            CheckCount(query.Ids.Count, "Query _id");
            foreach (var id in query.Ids)
            {
                RecordNames.ValidateId(id, nameof(query));
            }
        }

        foreach (var condition in query.LastUpdated ?? throw new ArgumentException("Query LastUpdated is null.", nameof(query)))
        {
            ValidateDate(condition, "Query _lastUpdated");
        }

        var position = 0;
        foreach (var predicate in query.Predicates ?? throw new ArgumentException("Query Predicates is null.", nameof(query)))
        {
            ValidatePredicate(predicate, $"Query predicate {position++}");
        }

        foreach (var sort in query.Sort ?? throw new ArgumentException("Query Sort is null.", nameof(query)))
        {
            if (sort is null || !Enum.IsDefined(sort.Key))
            {
                throw new ArgumentException("Query sort key is null or undefined.", nameof(query));
            }

            if (sort.Key == VaultSortKey.Parameter)
            {
                ValidateParameter(sort.Parameter, "Query sort");
                if (sort.Kind is not (IndexKind.Date or IndexKind.Number or IndexKind.Token))
                {
                    throw new ArgumentException(
                        $"Query sort by '{sort.Parameter}': only Date, Number and plain Token parameters can be sorted, not {sort.Kind}.",
                        nameof(query));
                }
            }
        }
    }

    private static void ValidatePredicate(SearchPredicate? predicate, string what)
    {
        if (predicate is null)
        {
            throw new ArgumentException($"{what} is null.");
        }

        ValidateParameter(predicate.Parameter, what);
        var named = $"{what} ('{predicate.Parameter}')";
        switch (predicate)
        {
            case TokenPredicate token:
                CheckValues(token.Values, named);
                break;
            case ReferencePredicate reference:
                CheckValues(reference.Targets, named);
                break;
            case NumberPredicate number:
                CheckCount(number.Conditions?.Count ?? 0, named);
                foreach (var condition in number.Conditions!)
                {
                    if (condition is null || !Enum.IsDefined(condition.Prefix))
                    {
                        throw new ArgumentException($"{named}: a condition is null or has an undefined prefix.");
                    }
                }

                break;
            case DatePredicate date:
                CheckCount(date.Conditions?.Count ?? 0, named);
                foreach (var condition in date.Conditions!)
                {
                    ValidateDate(condition, named);
                }

                break;
            case MissingPredicate missing:
                if (!Enum.IsDefined(missing.Kind))
                {
                    throw new ArgumentException($"{named}: index kind {(int)missing.Kind} is not defined.");
                }

                break;
            default:
                throw new ArgumentException($"{named}: predicate type {predicate.GetType().Name} is not supported.");
        }
    }

    private static void ValidateDate(DateCondition? condition, string what)
    {
        if (condition is null || !Enum.IsDefined(condition.Prefix))
        {
            throw new ArgumentException($"{what}: a date condition is null or has an undefined prefix.");
        }

        if (condition.StartUnixMs > condition.EndUnixMs)
        {
            throw new ArgumentException($"{what}: a date condition starts after it ends.");
        }
    }

    private static void CheckValues(IReadOnlyList<string>? values, string what)
    {
        CheckCount(values?.Count ?? 0, what);
        foreach (var value in values!)
        {
            ValidateValue(value, what);
        }
    }

    private static void CheckCount(int count, string what)
    {
        if (count is < 1 or > MaxValuesPerPredicate)
        {
            throw new ArgumentException($"{what} needs 1 to {MaxValuesPerPredicate} values, not {count}.");
        }
    }

    private static bool IsValidValue(string? value) => !string.IsNullOrEmpty(value) && value.Length <= MaxValueLength;

    private static void ValidateValue(string? value, string what)
    {
        if (!IsValidValue(value))
        {
            throw new ArgumentException($"{what}: a value is empty or longer than {MaxValueLength} characters.");
        }
    }
}
