using CareLedger.Access.Delegation;
using CareLedger.Consent.Requests;

namespace CareLedger.Access.Tests.Gate.Support;

/// <summary>An in-test delegation register: the grants a test put in place.</summary>
public sealed class FixedDelegations : IDelegations
{
    private readonly List<DelegationGrant> _grants = [];

    public DelegationGrant Grant(string delegateReference, byte[] patient, DelegateKind kind, DelegationScope? scope = null)
    {
        var grant = new DelegationGrant(Guid.NewGuid(), delegateReference, patient, kind, scope ?? new DelegationScope(),
            DelegationSource.Patient, DateTimeOffset.UnixEpoch);
        _grants.Add(grant);
        return grant;
    }

    public DelegationGrant? Find(string delegateReference, byte[] patient) =>
        _grants.LastOrDefault(g => g.DelegateReference == delegateReference && g.Patient.AsSpan().SequenceEqual(patient) && g.RevokedAt is null);
}
