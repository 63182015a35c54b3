using CareLedger.Vault.Search;
using CareLedger.Vault.Storage;

namespace CareLedger.Vault;

public sealed partial class Vault
{
    /// <summary>
    /// Searches the index of current, committed, non-deleted versions (pending and older versions are never indexed).
    /// Count and page come from one snapshot.
    /// </summary>
    public VaultQueryResult Query(VaultQuery query)
    {
        SearchValidation.ValidateQuery(query);
        var lookup = query.PatientId is { } patientId ? PatientLookup(patientId) : null;
        return _readers.Read(reader => reader.InTransaction(() =>
        {
            long? compartmentId = null;
            if (lookup is not null)
            {
                if (FindCompartment(reader, lookup) is not { } compartment)
                {
                    return new VaultQueryResult([], query.IncludeTotal ? 0 : null);
                }

                compartmentId = compartment.Id;
            }

            var sql = QuerySql.Build(query, compartmentId, _blindIndex);
            var records = new List<RecordHead>(Math.Min(query.Take, 1000));
            if (query.Take > 0)
            {
                using var page = reader.CreateAdHoc(sql.PageSql);
                Bind(page, sql);
                using var rows = page.ExecuteReader();
                while (rows.Read())
                {
                    records.Add(new RecordHead(rows.GetString(0), rows.GetString(1), rows.GetVersion(2), rows.GetInt64(3),
                        rows.IsDBNull(4) ? null : rows.GetFieldValue<byte[]>(4)));
                }
            }

            int? total = null;
            if (query.IncludeTotal)
            {
                using var count = reader.CreateAdHoc(sql.CountSql);
                Bind(count, sql);
                total = checked((int)(long)count.ExecuteScalar()!);
            }

            return new VaultQueryResult(records, total);
        }, snapshot: true));
    }

    private static void Bind(System.Data.Common.DbCommand command, QuerySql sql)
    {
        foreach (var (name, value) in sql.Parameters)
        {
            command.WithValue(name, value);
        }
    }
}
