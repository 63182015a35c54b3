namespace CareLedger.Access.Credentials;

/// <summary>Answers the door's question "may this practitioner act clinically now?" (implemented by <c>CredentialRegistry</c>).</summary>
public interface ICredentialStatus
{
    /// <param name="practitionerReference">e.g. <c>Practitioner/abc</c>.</param>
    CredentialCheck Check(string practitionerReference, DateTimeOffset now);

    /// <summary>
    /// The same question for a credential the caller presented (a VC-JWT): a clinician of another member, whose credential
    /// this node did not issue, acting through that member's node (F3, ADR 0009). Valid only if it verifies against the
    /// ledger and names <paramref name="practitionerReference"/> as its subject.
    /// </summary>
    CredentialCheck CheckPresented(string practitionerReference, string vcJwt, DateTimeOffset now) =>
        new(false, "presented credentials are not verified here", null);
}
