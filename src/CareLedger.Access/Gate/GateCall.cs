using CareLedger.Access.Callers;
using CareLedger.Access.Credentials;
using CareLedger.Access.Delegation;
using CareLedger.Consent.Requests;
using ModelCoding = CareLedger.Consent.Model.Coding;

namespace CareLedger.Access.Gate;

/// <summary>
/// One call through the door: who, in what circumstances, at which instant, for what purpose; and what was looked up
/// about the caller during the call (credential, delegations, minor status), so that a page of many records asks once.
/// </summary>
internal sealed class GateCall(Accessor who, AccessContext context, DateTimeOffset now, ModelCoding purpose)
{
    // Made on first use: most calls (one record, a clinician or a system) never look up a delegation or a minor.
    private Dictionary<string, DelegationGrant?>? _delegations;
    private Dictionary<string, bool>? _minors;

    public Accessor Who { get; } = who;

    public AccessContext Context { get; } = context;

    public DateTimeOffset Now { get; } = now;

    public ModelCoding Purpose { get; } = purpose;

    /// <summary>The clinician or researcher as the consent engine sees them (the same for every record of the call).</summary>
    public Requester? Requester { get; set; }

    /// <summary>The caller's credential as checked during this call (null until the first record that needs it).</summary>
    public CredentialCheck? Credential { get; set; }

    public DelegationGrant? Delegation(string patientKey, Func<DelegationGrant?> find)
    {
        _delegations ??= new(StringComparer.Ordinal);
        if (!_delegations.TryGetValue(patientKey, out var grant))
        {
            grant = find();
            _delegations[patientKey] = grant;
        }

        return grant;
    }

    public bool IsMinor(string patientKey, Func<bool> decide)
    {
        _minors ??= new(StringComparer.Ordinal);
        if (!_minors.TryGetValue(patientKey, out var minor))
        {
            minor = decide();
            _minors[patientKey] = minor;
        }

        return minor;
    }
}
