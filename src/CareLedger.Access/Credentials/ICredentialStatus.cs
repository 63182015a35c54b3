namespace CareLedger.Access.Credentials;

/// <summary>Answers the door's question "may this practitioner act clinically now?" (implemented by <c>CredentialRegistry</c>).</summary>
public interface ICredentialStatus
{
    /// <param name="practitionerReference">e.g. <c>Practitioner/abc</c>.</param>
    CredentialCheck Check(string practitionerReference, DateTimeOffset now);
}
