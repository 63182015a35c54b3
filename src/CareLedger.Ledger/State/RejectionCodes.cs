namespace CareLedger.Ledger.State;

/// <summary>Why the ledger refused a well-formed transaction: stable codes, part of the API.</summary>
public static class RejectionCodes
{
    public const string BadSignature = "bad-signature";
    public const string BadPayload = "bad-payload";
    public const string UnknownAuthor = "unknown-author";
    public const string RevokedAuthor = "revoked-author";
    public const string NotAuthorised = "not-authorised";
    public const string ConflictingReplay = "conflicting-replay";
    public const string NoGenesis = "no-genesis";
    public const string GenesisExists = "genesis-exists";
    public const string KeyExists = "key-exists";
    public const string UnknownKey = "unknown-key";
    public const string AlreadyRevoked = "already-revoked";
    public const string PatientErased = "patient-erased";
    public const string AlreadyErased = "already-erased";
    public const string VersionConflict = "version-conflict";
    public const string CredentialExists = "credential-exists";
    public const string UnknownCredential = "unknown-credential";
    public const string CredentialRevoked = "credential-revoked";
}
