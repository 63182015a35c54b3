using System.Globalization;
using System.Text;

namespace CareLedger.Vault.Search;

/// <summary>
/// Translates a validated <see cref="VaultQuery"/> into SQL over the index tables: each predicate becomes
/// <c>r.id IN (subquery on one index table)</c> (or NOT IN), so SQLite can drive the search from the most selective
/// index. Every value is a bound parameter; only fixed fragments are concatenated.
/// </summary>
internal sealed class QuerySql
{
    private const string Select =
        "SELECT r.resource_type, r.logical_id, r.current_version, r.last_updated_unix_ms, c.pseudonym "
        + "FROM resources r JOIN compartments c ON c.id = r.compartment_id WHERE ";

    private readonly StringBuilder _where = new();
    private readonly StringBuilder _orderBy = new();
    private readonly List<KeyValuePair<string, object>> _parameters = [];
    private readonly BlindIndex _blind;

    private QuerySql(BlindIndex blind) => _blind = blind;

    public IReadOnlyList<KeyValuePair<string, object>> Parameters => _parameters;

    public string PageSql => $"{Select}{_where} ORDER BY {_orderBy} LIMIT @take OFFSET @skip";

    public string CountSql => $"SELECT count(*) FROM resources r WHERE {_where}";

    public static QuerySql Build(VaultQuery query, long? compartmentId, BlindIndex blind)
    {
        var sql = new QuerySql(blind);
        sql.Add("@type", query.ResourceType);
        sql._where.Append("r.resource_type = @type AND r.current_version > 0 AND r.current_deleted = 0");
        if (compartmentId is { } compartment)
        {
            sql._where.Append(" AND r.compartment_id = ").Append(sql.Add("@compartment", compartment));
        }

        if (query.AfterId is { } after)
        {
            sql._where.Append(" AND r.logical_id > ").Append(sql.Add("@after", after));
        }

        if (query.Ids is { } ids)
        {
            sql._where.Append(" AND r.logical_id IN (").Append(sql.AddList("@id", ids)).Append(')');
        }

        for (var i = 0; i < query.LastUpdated.Count; i++)
        {
            var condition = query.LastUpdated[i];
            var low = sql.Add($"@lu{i}l", condition.StartUnixMs);
            var high = sql.Add($"@lu{i}h", condition.EndUnixMs);
            sql._where.Append(" AND ").Append(DateComparison(condition.Prefix, "r.last_updated_unix_ms", "r.last_updated_unix_ms", low, high));
        }

        for (var i = 0; i < query.Predicates.Count; i++)
        {
            sql.AddPredicate(query.Predicates[i], $"@p{i}");
        }

        for (var i = 0; i < query.Sort.Count; i++)
        {
            sql.AddSort(query.Sort[i], $"@s{i}");
        }

        sql._orderBy.Append(sql._orderBy.Length == 0 ? "r.id" : ", r.id");
        sql.Add("@take", query.Take);
        sql.Add("@skip", query.Skip);
        return sql;
    }

    private void AddPredicate(SearchPredicate predicate, string name)
    {
        var parameter = Add(name, predicate.Parameter);
        switch (predicate)
        {
            case TokenPredicate token:
            {
                var kind = token.Blinded ? IndexKind.BlindedToken : IndexKind.Token;
                var values = token.Blinded ? token.Values.Select(v => _blind.Token(predicate.Parameter, v)).ToList() : token.Values;
                _where.Append(token.Negated ? " AND r.id NOT IN (" : " AND r.id IN (")
                    .Append(TokenSubquery(parameter, Add(name + "k", (int)kind)))
                    .Append(" AND token IN (").Append(AddList(name + "v", values)).Append("))");
                break;
            }

            case ReferencePredicate reference:
                _where.Append(" AND r.id IN (")
                    .Append(TokenSubquery(parameter, Add(name + "k", (int)IndexKind.Reference)))
                    .Append(" AND token IN (").Append(AddList(name + "v", reference.Targets.Select(_blind.Reference).ToList())).Append("))");
                break;

            case NumberPredicate number:
            {
                var conditions = number.Conditions.Select((c, j) => NumberComparison(c, $"{name}n{j}"));
                _where.Append(" AND r.id IN (SELECT resource_id FROM number_index WHERE resource_type = @type AND param = ")
                    .Append(parameter).Append(" AND (").AppendJoin(" OR ", conditions).Append("))");
                break;
            }

            case DatePredicate date:
            {
                var conditions = date.Conditions.Select((c, j) =>
                    DateComparison(c.Prefix, "start_ms", "end_ms", Add($"{name}l{j}", c.StartUnixMs), Add($"{name}h{j}", c.EndUnixMs)));
                _where.Append(" AND r.id IN (SELECT resource_id FROM date_index WHERE resource_type = @type AND param = ")
                    .Append(parameter).Append(" AND (").AppendJoin(" OR ", conditions).Append("))");
                break;
            }

            case MissingPredicate missing:
            {
                var subquery = missing.Kind switch
                {
                    IndexKind.Number => $"SELECT resource_id FROM number_index WHERE resource_type = @type AND param = {parameter}",
                    IndexKind.Date => $"SELECT resource_id FROM date_index WHERE resource_type = @type AND param = {parameter}",
                    _ => TokenSubquery(parameter, Add(name + "k", (int)missing.Kind)),
                };
                _where.Append(missing.Missing ? " AND r.id NOT IN (" : " AND r.id IN (").Append(subquery).Append(')');
                break;
            }

            default:
                throw new ArgumentException($"Predicate type {predicate.GetType().Name} is not supported.", nameof(predicate));
        }
    }

    private static string TokenSubquery(string parameter, string kind) =>
        $"SELECT resource_id FROM token_index WHERE resource_type = @type AND param = {parameter} AND kind = {kind}";

    private string NumberComparison(NumberCondition condition, string name)
    {
        var value = condition.Value;
        switch (condition.Prefix)
        {
            case SearchPrefix.Eq or SearchPrefix.Ne or SearchPrefix.Ap:
            {
                var margin = condition.Prefix == SearchPrefix.Ap ? Math.Abs(value) / 10 : HalfUnitOfLastDigit(value);
                var low = Add(name + "l", (double)(value - margin));
                var high = Add(name + "h", (double)(value + margin));
                return condition.Prefix switch
                {
                    SearchPrefix.Eq => $"(value >= {low} AND value < {high})",
                    SearchPrefix.Ne => $"(value < {low} OR value >= {high})",
                    _ => $"(value >= {low} AND value <= {high})",
                };
            }

            default:
            {
                var bound = Add(name, (double)value);
                return condition.Prefix switch
                {
                    SearchPrefix.Gt or SearchPrefix.Sa => $"value > {bound}",
                    SearchPrefix.Lt or SearchPrefix.Eb => $"value < {bound}",
                    SearchPrefix.Ge => $"value >= {bound}",
                    _ => $"value <= {bound}",
                };
            }
        }
    }

    private static decimal HalfUnitOfLastDigit(decimal value) =>
        value.Scale >= 28 ? 0m : new decimal(5, 0, 0, false, (byte)(value.Scale + 1));

    /// <summary>FHIR R4 date semantics between an indexed range [start, end] and the search range [low, high].</summary>
    private static string DateComparison(SearchPrefix prefix, string start, string end, string low, string high)
    {
        var contained = $"({start} >= {low} AND {end} <= {high})";
        return prefix switch
        {
            SearchPrefix.Eq => contained,
            SearchPrefix.Ne => $"NOT {contained}",
            SearchPrefix.Gt => $"{end} > {high}",
            SearchPrefix.Lt => $"{start} < {low}",
            SearchPrefix.Ge => $"({end} > {high} OR {contained})",
            SearchPrefix.Le => $"({start} < {low} OR {contained})",
            SearchPrefix.Sa => $"{start} > {high}",
            SearchPrefix.Eb => $"{end} < {low}",
            SearchPrefix.Ap => $"({start} <= {high} AND {end} >= {low})",
            _ => throw new ArgumentOutOfRangeException(nameof(prefix), prefix, "Unknown search prefix."),
        };
    }

    private void AddSort(VaultSort sort, string name)
    {
        if (_orderBy.Length > 0)
        {
            _orderBy.Append(", ");
        }

        var direction = sort.Descending ? "DESC" : "ASC";
        if (sort.Key == VaultSortKey.LastUpdated)
        {
            _orderBy.Append("r.last_updated_unix_ms ").Append(direction);
            return;
        }

        if (sort.Key == VaultSortKey.Id)
        {
            _orderBy.Append("r.logical_id ").Append(direction);
            return;
        }

        var parameter = Add(name, sort.Parameter!);
        var aggregate = sort.Descending ? "max" : "min";
        var expression = sort.Kind switch
        {
            IndexKind.Date => $"(SELECT {aggregate}({(sort.Descending ? "end_ms" : "start_ms")}) FROM date_index WHERE resource_id = r.id AND param = {parameter})",
            IndexKind.Number => $"(SELECT {aggregate}(value) FROM number_index WHERE resource_id = r.id AND param = {parameter})",
            _ => $"(SELECT {aggregate}(token) FROM token_index WHERE resource_id = r.id AND param = {parameter} AND kind = {(int)IndexKind.Token})",
        };
        _orderBy.Append(expression).Append(' ').Append(direction).Append(" NULLS LAST");
    }

    private string Add(string name, object value)
    {
        _parameters.Add(new(name, value));
        return name;
    }

    private string AddList(string prefix, IReadOnlyList<string> values) =>
        string.Join(", ", values.Select((v, i) => Add(prefix + i.ToString(CultureInfo.InvariantCulture), v)));
}
