namespace CareLedger.Vault.Search;

/// <summary>A search hit: the resource's current version, when it was last updated, and its patient pseudonym
/// (null in the organisation compartment).</summary>
public sealed record RecordHead(string ResourceType, string Id, int Version, long LastUpdatedUnixMs, byte[]? Patient);
