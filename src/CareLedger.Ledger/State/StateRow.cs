namespace CareLedger.Ledger.State;

/// <summary>One row of a state dump: its table, its primary key and all its values, as text.</summary>
internal readonly record struct StateRow(string Table, string Key, string Values);
