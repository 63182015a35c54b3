using System.Data.Common;
using System.Globalization;

namespace CareLedger.Ledger.State.Storage;

/// <summary>
/// Where the ledger state is kept: a SQLite file or a PostgreSQL schema (docs/adr/0006). The state's statements are
/// written once, in the SQL that both engines read (named <c>@parameters</c>, <c>ON CONFLICT</c>, no engine-specific
/// functions); a database supplies only what differs: its connections, its schema DDL and how a meta value is stored.
/// </summary>
internal abstract class StateDatabase : IDisposable
{
    /// <summary>Names the store in messages: the file's path, or the server and schema (never a password).</summary>
    public abstract string Location { get; }

    /// <summary>The one writer session, open for the database's life (the sequencer's).</summary>
    public abstract DbConnection Writer { get; }

    /// <summary>The tables and their indexes, created if missing.</summary>
    public abstract string CreateTables { get; }

    /// <summary>A new open reader session; the caller disposes it.</summary>
    public abstract DbConnection OpenReader();

    /// <summary>How a meta value is bound: SQLite keeps an integer as an integer (its column is dynamically typed), PostgreSQL's column is text.</summary>
    public abstract object MetaValue(object value);

    /// <summary>
    /// One query that finds which of many transaction ids are applied (parameter <c>@ids</c>, an array), or null where
    /// a lookup per id costs nothing (SQLite, in the process).
    /// </summary>
    public virtual string? FindTransactionsSql => null;

    /// <summary>
    /// One statement that inserts a whole applied batch's transaction rows from arrays (parameters <c>@ids</c>,
    /// <c>@leaves</c>, <c>@types</c>, <c>@authors</c>, <c>@hashes</c>), or null where a statement per row costs nothing (SQLite).
    /// </summary>
    public virtual string? InsertTransactionsSql => null;

    public abstract void Dispose();

    /// <summary>A meta value as stored by either engine, as a number (null if it is not one).</summary>
    public static long? MetaNumber(object? value) => value switch
    {
        long number => number,
        string text when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) => number,
        _ => null,
    };
}
