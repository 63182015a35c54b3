using CareLedger.Access.Gate;

namespace CareLedger.Access.Audit.Format;

/// <summary>
/// The text names of actions and outcomes in canonical audit records and in the trail's database. Names, not enum
/// numbers, so that reordering an enum can never change the meaning of an anchored record.
/// </summary>
internal static class AuditWireNames
{
    private static readonly (AccessAction Action, string Name)[] s_actions =
    [
        (AccessAction.Read, "read"),
        (AccessAction.Search, "search"),
        (AccessAction.History, "history"),
        (AccessAction.Create, "create"),
        (AccessAction.Update, "update"),
        (AccessAction.Delete, "delete"),
        (AccessAction.Export, "export"),
        (AccessAction.Use, "use"),
        (AccessAction.Disclose, "disclose"),
    ];

    public static string ToName(AccessAction action)
    {
        foreach (var (a, name) in s_actions)
        {
            if (a == action)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(action), action, "not an access action");
    }

    public static bool TryParseAction(string name, out AccessAction action)
    {
        foreach (var (a, n) in s_actions)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                action = a;
                return true;
            }
        }

        action = default;
        return false;
    }

    public static string ToName(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Permit => "permit",
        AuditOutcome.Deny => "deny",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not an audit outcome"),
    };

    public static bool TryParseOutcome(string name, out AuditOutcome outcome)
    {
        (var known, outcome) = name switch
        {
            "permit" => (true, AuditOutcome.Permit),
            "deny" => (true, AuditOutcome.Deny),
            _ => (false, default),
        };
        return known;
    }
}
