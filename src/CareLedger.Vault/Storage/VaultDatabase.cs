using System.Data.Common;

namespace CareLedger.Vault.Storage;

/// <summary>
/// Where the vault is kept: a SQLite file or the node's PostgreSQL schema (docs/adr/0006). The vault's statements
/// (<see cref="Sql"/>, <see cref="Search.QuerySql"/>) are written once in the SQL both engines read; a database supplies
/// only what differs: its sessions, its schema, how it begins a write and a snapshot read, and its erasure hygiene.
/// </summary>
internal abstract class VaultDatabase : IDisposable
{
    /// <summary>Names the store in messages: the file, or the server and schema (never a password).</summary>
    public abstract string Location { get; }

    /// <summary>Whether commands are prepared explicitly (SQLite) rather than by the driver after reuse (Npgsql).</summary>
    public abstract bool PreparesCommands { get; }

    /// <summary>The one writer session, open for the vault's life; the schema is created or checked on it.</summary>
    public abstract DbConnection OpenWriter();

    /// <summary>A new reader session; the caller disposes it.</summary>
    public abstract DbConnection OpenReader();

    /// <summary>A write transaction (SQLite: BEGIN IMMEDIATE, taking the file's write lock at once).</summary>
    public abstract DbTransaction BeginWrite(DbConnection connection);

    /// <summary>
    /// On the writer outside any transaction: whether the next commits wait until they are on disk (the default) or may
    /// be lost by a crash of the machine, in order and whole, as long as a later durable commit has not followed them
    /// (both engines write one log in order). Only for commits that recovery redoes (ADR 0016).
    /// </summary>
    public abstract void SetDurableCommits(DbConnection writer, bool durable);

    /// <summary>Whether the writer's commits wait until they are on disk (what <see cref="SetDurableCommits"/> last set).</summary>
    public abstract bool CommitsDurably(DbConnection writer);

    /// <summary>A read transaction whose statements all see one snapshot.</summary>
    public abstract DbTransaction BeginSnapshot(DbConnection connection);

    /// <summary>
    /// After a shred or a re-wrap, on the writer outside any transaction: removes what the database still keeps of the
    /// deleted rows where it can. True if nothing of them remains in the database's own files.
    /// </summary>
    public abstract bool ForgetDeletedRows(DbConnection writer);

    /// <summary>On open, after the schema: finishes what a crash may have left (SQLite: erased pages in the WAL).</summary>
    public abstract void Recover(DbConnection writer);

    /// <summary>Once the vault is open: starts what runs beside the writer (SQLite: the WAL checkpointer, ADR 0019), which may
    /// take <paramref name="writeGate"/> (the vault's writer lock) briefly.</summary>
    public virtual void StartBackground(Lock writeGate)
    {
    }

    /// <summary>After each write transaction of the writer commits (cheap, never blocks).</summary>
    public virtual void Committed()
    {
    }

    /// <summary>Stops what <see cref="StartBackground"/> started; called without the writer lock, before the writer closes.</summary>
    public virtual void StopBackground()
    {
    }

    public abstract void Dispose();
}
