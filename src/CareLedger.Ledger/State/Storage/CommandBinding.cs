using System.Data;
using System.Data.Common;

namespace CareLedger.Ledger.State.Storage;

/// <summary>Named parameters through plain ADO.NET, the same for SQLite and PostgreSQL.</summary>
internal static class CommandBinding
{
    /// <summary>Adds <c>@name</c> = <paramref name="value"/> (null binds SQL NULL).</summary>
    public static DbCommand Bind(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>Adds <c>@name</c> without a value yet; a declared type lets PostgreSQL bind a NULL of that type.</summary>
    public static void Declare(this DbCommand command, string name, DbType? type = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        if (type is { } declared)
        {
            parameter.DbType = declared;
        }

        command.Parameters.Add(parameter);
    }
}
