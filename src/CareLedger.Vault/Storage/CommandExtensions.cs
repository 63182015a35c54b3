using System.Data;
using System.Data.Common;

namespace CareLedger.Vault.Storage;

/// <summary>
/// Binding and reading through plain ADO.NET, the same on SQLite and PostgreSQL. Each overload gives its parameter a
/// type, so a NULL binds as a NULL of that type; integers are bound as 64-bit and booleans as 0/1, as the columns are.
/// </summary>
internal static class CommandExtensions
{
    public static DbCommand With(this DbCommand command, string name, byte[]? value) => command.Add(name, value, DbType.Binary);

    public static DbCommand With(this DbCommand command, string name, string? value) => command.Add(name, value, DbType.String);

    public static DbCommand With(this DbCommand command, string name, long? value) => command.Add(name, value, DbType.Int64);

    public static DbCommand With(this DbCommand command, string name, double? value) => command.Add(name, value, DbType.Double);

    public static DbCommand With(this DbCommand command, string name, bool value) => command.Add(name, value ? 1L : 0L, DbType.Int64);

    /// <summary>A value from a list of fixed type (query builders); never null.</summary>
    public static DbCommand WithValue(this DbCommand command, string name, object value) => value switch
    {
        int number => command.With(name, (long)number),
        _ => command.Add(name, value, null),
    };

    /// <summary>
    /// Sets the value of the parameter at <paramref name="position"/>, which is named <paramref name="name"/> (added on
    /// first use, so a command's parameters must always be set in the same order). Commands with many parameters use this:
    /// the by-name lookup scans the whole collection.
    /// </summary>
    public static DbCommand WithAt(this DbCommand command, int position, string name, string? value) => command.AddAt(position, name, value, DbType.String);

    /// <inheritdoc cref="WithAt(DbCommand, int, string, string?)"/>
    public static DbCommand WithAt(this DbCommand command, int position, string name, long? value) => command.AddAt(position, name, value, DbType.Int64);

    /// <inheritdoc cref="WithAt(DbCommand, int, string, string?)"/>
    public static DbCommand WithAt(this DbCommand command, int position, string name, double? value) => command.AddAt(position, name, value, DbType.Double);

    public static byte[]? GetBlobOrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<byte[]>(ordinal);

    /// <summary>A 0/1 flag column.</summary>
    public static bool GetFlag(this DbDataReader reader, int ordinal) => reader.GetInt64(ordinal) != 0;

    /// <summary>A version number (stored as a 64-bit integer).</summary>
    public static int GetVersion(this DbDataReader reader, int ordinal) => checked((int)reader.GetInt64(ordinal));

    private static DbCommand AddAt(this DbCommand command, int position, string name, object? value, DbType type)
    {
        if (position < command.Parameters.Count)
        {
            command.Parameters[position].Value = value ?? DBNull.Value;
            return command;
        }

        if (position != command.Parameters.Count)
        {
            throw new InvalidOperationException($"parameter {name} bound at position {position} of a command with {command.Parameters.Count}");
        }

        return command.Add(name, value, type);
    }

    /// <summary>Sets the value of the command's parameter <paramref name="name"/>, adding the parameter on first use.</summary>
    private static DbCommand Add(this DbCommand command, string name, object? value, DbType? type)
    {
        if (command.Parameters.Contains(name))
        {
            command.Parameters[name].Value = value ?? DBNull.Value;
            return command;
        }

        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        if (type is { } declared)
        {
            parameter.DbType = declared;
        }

        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }
}
