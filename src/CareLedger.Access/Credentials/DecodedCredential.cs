namespace CareLedger.Access.Credentials;

/// <summary>A VC-JWT taken apart: its credential, or why its payload is not a practitioner licence credential.</summary>
internal sealed record DecodedCredential(VcJwt Jwt, PractitionerLicenceCredential? Credential, string? Problem);
