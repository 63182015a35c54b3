namespace CareLedger.Access.Callers;

/// <summary>Who an account is in the consortium; written into every token as the <c>role</c> claim.</summary>
public enum CareLedgerRole
{
    Patient,
    /// <summary>A practitioner (FHIR <c>Practitioner</c>).</summary>
    Clinician,
    /// <summary>A related person who may act for a patient by law (FHIR <c>RelatedPerson</c>).</summary>
    Guardian,
    /// <summary>A related person who helps a patient within what the patient allows (FHIR <c>RelatedPerson</c>).</summary>
    Caregiver,
    Researcher,
    /// <summary>The auditor of accesses and disclosures.</summary>
    PrivacyOfficer,
    /// <summary>An officer of a licensing board that issues practitioner credentials.</summary>
    BoardOfficer,
    /// <summary>Runs the node.</summary>
    Operator,
    /// <summary>A backend service authenticating as itself (client credentials), never a person.</summary>
    System,
    /// <summary>
    /// Nobody the node could authenticate (no token, or a forged, expired or misaddressed one). Never an account's or a
    /// token's role: it exists only so that the audit trail can record the refusals of such requests.
    /// </summary>
    Anonymous,
}

/// <summary>The wire names of roles: lowercase and hyphenated, as in tokens, the store and the command line.</summary>
public static class CareLedgerRoles
{
    private static readonly (CareLedgerRole Role, string Name)[] s_names =
    [
        (CareLedgerRole.Patient, "patient"),
        (CareLedgerRole.Clinician, "clinician"),
        (CareLedgerRole.Guardian, "guardian"),
        (CareLedgerRole.Caregiver, "caregiver"),
        (CareLedgerRole.Researcher, "researcher"),
        (CareLedgerRole.PrivacyOfficer, "privacy-officer"),
        (CareLedgerRole.BoardOfficer, "board-officer"),
        (CareLedgerRole.Operator, "operator"),
        (CareLedgerRole.System, "system"),
    ];

    private const string AnonymousName = "anonymous";

    public static IReadOnlyList<CareLedgerRole> People { get; } =
        [.. s_names.Select(n => n.Role).Where(r => r != CareLedgerRole.System)];

    public static string ToName(this CareLedgerRole role)
    {
        if (role == CareLedgerRole.Anonymous)
        {
            return AnonymousName;
        }

        foreach (var (r, name) in s_names)
        {
            if (r == role)
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(role), role, "not a CareLedger role");
    }

    /// <summary>The role of an account or a token: never <see cref="CareLedgerRole.Anonymous"/>.</summary>
    public static bool TryParse(string? name, out CareLedgerRole role)
    {
        foreach (var (r, n) in s_names)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                role = r;
                return true;
            }
        }

        role = default;
        return false;
    }

    /// <summary>As <see cref="TryParse"/>, and also <c>anonymous</c>: the roles an audit record may name.</summary>
    public static bool TryParseRecorded(string? name, out CareLedgerRole role)
    {
        if (string.Equals(name, AnonymousName, StringComparison.Ordinal))
        {
            role = CareLedgerRole.Anonymous;
            return true;
        }

        return TryParse(name, out role);
    }

    public static CareLedgerRole Parse(string name) =>
        TryParse(name, out var role)
            ? role
            : throw new FormatException($"'{name}' is not a role (expected one of {string.Join(", ", s_names.Select(n => n.Name))})");
}
