using CareLedger.Vault;

namespace CareLedger.Access.Gate;

/// <summary>A record the door disclosed, and the audit record of the decision that disclosed it.</summary>
/// <param name="Json">The resource's canonical JSON; empty for a deleted version listed in a history.</param>
public sealed record DisclosedRecord(RecordAddress Address, byte[] Json, DateTimeOffset LastUpdated, Guid AuditId);
