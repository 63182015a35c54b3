namespace CareLedger.Analytics.Registry;

/// <summary>
/// One training row as the ledger knows it: the vault's salted record commitment (32 bytes) and the reference to the
/// consent that permitted this use. Supplied by the node; neither reveals the row's content.
/// </summary>
public sealed record TrainingRecord(byte[] RecordCommitment, string ConsentReference);
