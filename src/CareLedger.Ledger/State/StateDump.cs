using System.Globalization;
using System.Data.Common;

namespace CareLedger.Ledger.State;

/// <summary>
/// Every row of a state database as text, table by table in primary-key order, so that two databases can be
/// compared row by row and the first difference named. SQLite and PostgreSQL dumps of the same state are equal:
/// the columns, their order and the byte order of the keys are the same (<see cref="StateSchema"/>).
/// </summary>
internal static class StateDump
{
    public static IEnumerable<StateRow> Rows(DbConnection connection)
    {
        foreach (var (table, orderBy) in StateSchema.Tables)
        {
            var keyColumns = orderBy.Split(", ").Length;
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table} ORDER BY {orderBy}";
            using var reader = command.ExecuteReader();
            var values = new string[reader.FieldCount];
            while (reader.Read())
            {
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = Format(reader.GetValue(i));
                }

                yield return new StateRow(table, string.Join("/", values, 0, keyColumns), string.Join(" | ", values));
            }
        }
    }

    private static string Format(object value) => value switch
    {
        DBNull => "null",
        byte[] bytes => Convert.ToHexStringLower(bytes),
        long number => number.ToString(CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        string text => text,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
