namespace CareLedger.Access.Delegation;

/// <summary>The delegations in force (implemented by <c>DelegationRegistry</c>).</summary>
public interface IDelegations
{
    /// <summary>The unrevoked delegation from the patient to this delegate, or null. Its period is judged by the consent engine.</summary>
    DelegationGrant? Find(string delegateReference, byte[] patient);
}
