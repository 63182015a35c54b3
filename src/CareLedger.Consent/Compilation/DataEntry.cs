using CareLedger.Consent.Model;

namespace CareLedger.Consent.Compilation;

/// <summary>A compiled data reference: its meaning and interned reference id.</summary>
internal readonly record struct DataEntry(DataMeaning Meaning, int ReferenceId);
