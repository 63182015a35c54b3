namespace CareLedger.Vault;
internal static class Placeholder;
