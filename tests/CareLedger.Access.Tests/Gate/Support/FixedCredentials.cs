using CareLedger.Access.Credentials;

namespace CareLedger.Access.Tests.Gate.Support;

/// <summary>An in-test credential status: the practitioners listed as valid hold a credential, nobody else does.</summary>
public sealed class FixedCredentials(params string[] valid) : ICredentialStatus
{
    private readonly HashSet<string> _valid = new(valid, StringComparer.Ordinal);

    public int Checks { get; private set; }

    public void Revoke(string practitioner) => _valid.Remove(practitioner);

    public void Add(string practitioner) => _valid.Add(practitioner);

    public CredentialCheck Check(string practitionerReference, DateTimeOffset now)
    {
        Checks++;
        return _valid.Contains(practitionerReference)
            ? new CredentialCheck(true, "credential urn:uuid:test valid until 2030-01-01", "urn:uuid:test")
            : new CredentialCheck(false, "no credential", null);
    }
}
