namespace CareLedger.Testing;

/// <summary>The two stores every state and vault test runs against (docs/adr/0006).</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}
