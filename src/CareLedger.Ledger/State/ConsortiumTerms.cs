namespace CareLedger.Ledger.State;

/// <summary>
/// A consortium network's terms, as its genesis set them: the checkpoint origin, the JetStream network name, the
/// quorum of cosignatures that commits a checkpoint, and the deterministic checkpoint policy (ADR 0005).
/// </summary>
public sealed record ConsortiumTerms(string Origin, string Network, int Quorum, int CheckpointEvery, int CheckpointIntervalMs);
