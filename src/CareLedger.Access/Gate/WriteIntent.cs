namespace CareLedger.Access.Gate;

/// <summary>A write the caller is about to make, as the door judges it before anything is staged.</summary>
/// <param name="Action"><see cref="AccessAction.Create"/>, <see cref="AccessAction.Update"/> or <see cref="AccessAction.Delete"/>.</param>
/// <param name="PatientId">The patient whose compartment the record goes into (as the vault's stage request names it); null for the organisation's.</param>
/// <param name="Json">The resource as it will be stored; empty for a delete.</param>
public sealed record WriteIntent(AccessAction Action, string ResourceType, string Id, string? PatientId, ReadOnlyMemory<byte> Json);
