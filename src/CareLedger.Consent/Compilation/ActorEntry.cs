namespace CareLedger.Consent.Compilation;

/// <summary>A compiled actor: interned role and reference ids, -1 where the actor leaves that part open.</summary>
internal readonly record struct ActorEntry(int RoleId, int ReferenceId);
