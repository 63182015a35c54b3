namespace CareLedger.Ledger;
internal static class Placeholder;
