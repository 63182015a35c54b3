namespace CareLedger.Ledger.Transactions;

/// <summary>Roles with a meaning to the ledger's own rules; other roles are free names recorded as given.</summary>
public static class KeyRoles
{
    /// <summary>The member organisation's key: registered by genesis, the only key that may register and revoke keys.</summary>
    public const string Organisation = "organisation";

    /// <summary>The node's own author key, for transactions the node writes itself (records, anchors, audit).</summary>
    public const string Node = "node";

    /// <summary>A patient's key, bound to the patient's pseudonym by its label (<see cref="KeyLabels.ForPseudonym"/>).</summary>
    public const string Patient = "patient";

    /// <summary>The key of a person acting for a patient (guardian, caregiver), bound to that patient's pseudonym like a patient key.</summary>
    public const string Delegate = "delegate";

    /// <summary>
    /// A practitioner's own key (a clinician's break-glass declarations are signed with it; a licence credential names it),
    /// labelled with the practitioner's random pseudonym (<see cref="KeyLabels.ForPseudonym"/>), never a name.
    /// </summary>
    public const string Practitioner = "practitioner";

    /// <summary>A researcher's own key, labelled with the researcher's random pseudonym like a practitioner key.</summary>
    public const string Researcher = "researcher";

    /// <summary>A licensing board's key: the only role that may record the status of practitioner credentials.</summary>
    public const string CredentialIssuer = "credential-issuer";

    /// <summary>Whether keys of <paramref name="role"/> speak for exactly one patient, named by the key's label.</summary>
    public static bool IsBoundToPatient(string role) => role is Patient or Delegate;

    /// <summary>
    /// Whether keys of <paramref name="role"/> belong to a person and so must be labelled with a pseudonym (a patient's, or
    /// the person's own), so that no name or identifier of a person reaches the ledger through a key label.
    /// </summary>
    public static bool IsPersonal(string role) => role is Patient or Delegate or Practitioner or Researcher;
}
