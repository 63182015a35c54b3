namespace CareLedger.Vault.Storage;

/// <summary>A compartment as stored: its wrapped data key and, for a patient, the pseudonym.</summary>
internal sealed record CompartmentRow(long Id, byte[]? Pseudonym, string KekId, byte[] WrappedDek);
