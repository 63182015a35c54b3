namespace CareLedger.Ledger.Transactions;

/// <summary>Roles with a meaning to the ledger's own rules; other roles are free names recorded as given.</summary>
public static class KeyRoles
{
    /// <summary>The member organisation's key: registered by genesis, the only key that may register and revoke keys.</summary>
    public const string Organisation = "organisation";

    /// <summary>The node's own author key, for transactions the node writes itself (anchors, audit).</summary>
    public const string Node = "node";
}
