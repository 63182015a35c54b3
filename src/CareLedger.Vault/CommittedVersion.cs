namespace CareLedger.Vault;

/// <summary>One committed version as the vault holds it: where it is, whether it is a deletion, and its commitment.</summary>
public sealed record CommittedVersion(string ResourceType, string Id, int Version, bool Deleted, byte[] Commitment);
