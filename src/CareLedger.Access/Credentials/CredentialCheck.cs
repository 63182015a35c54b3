namespace CareLedger.Access.Credentials;

/// <summary>Whether a practitioner holds a valid clinical credential now, and why not.</summary>
/// <param name="Reason">Plain words: "credential urn:uuid:... valid until 2027-05-01", "credential ... was revoked at leaf 812", "no credential".</param>
public sealed record CredentialCheck(bool Valid, string Reason, string? CredentialId);
