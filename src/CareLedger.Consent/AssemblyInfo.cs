namespace CareLedger.Consent;
internal static class Placeholder;
