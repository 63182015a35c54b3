using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>A member of the consortium in force, identified by name, and the cosigner key it cosigns checkpoints with (type 0x04).</summary>
public sealed record ConsortiumMember(string Name, VerifierKey CosignerKey);
