namespace CareLedger.Analytics;
internal static class Placeholder;
