namespace CareLedger.Analytics.Registry;

/// <summary>
/// What the model is for. PurposeOfUse is the HL7 v3 PurposeOfUse code (e.g. TREAT) under which inference is allowed,
/// which the node's consent check uses.
/// </summary>
public sealed record IntendedUse(string Description, string Population, string PurposeOfUse, string Limitations);
