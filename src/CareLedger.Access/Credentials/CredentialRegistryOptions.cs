namespace CareLedger.Access.Credentials;

/// <summary>Where a licensing board's credential registry keeps its files, and how credentials name practitioners.</summary>
/// <param name="DataDirectory">The node's data directory: DATA/credentials.db and DATA/keys/credential-issuer.key.</param>
public sealed record CredentialRegistryOptions(string DataDirectory)
{
    /// <summary>
    /// The public FHIR base URL of the practitioners' records (e.g. <c>https://node.example.org/fhir</c>): a credential's
    /// subject is then <c>&lt;base&gt;/Practitioner/&lt;id&gt;</c>. Null names the subject <c>urn:careledger:&lt;origin&gt;:Practitioner/&lt;id&gt;</c>.
    /// </summary>
    public Uri? PractitionerBaseUrl { get; init; }

    /// <summary>The licensing board's name (an organisation, never a person): the label of its key on the ledger.</summary>
    public string BoardName { get; init; } = "Licensing board";

    /// <summary>Stamps validFrom, the status transactions, and "now" for <see cref="CredentialRegistry.Verify(string)"/>.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public string DatabasePath => Path.Combine(DataDirectory, CredentialRegistry.DatabaseFileName);

    public string IssuerKeyPath => Path.Combine(DataDirectory, "keys", CredentialRegistry.IssuerKeyFileName);
}
