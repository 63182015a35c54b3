using System.Text.RegularExpressions;
using CareLedger.Ledger.Crypto;

namespace CareLedger.Access.Credentials;

/// <summary>The identifiers a practitioner credential carries, and the checks of those given to the registry.</summary>
public static partial class CredentialIdentifiers
{
    /// <summary>The VC <c>issuer</c> of credentials signed by an issuer key: no DID, just the ledger's name for the key.</summary>
    public const string IssuerPrefix = "urn:careledger:issuer:";

    public static string IssuerFor(KeyId issuerKey) => IssuerPrefix + issuerKey;

    /// <summary>The <c>credentialSubject.ledgerKey</c> of a licence: the ledger's name for the practitioner's own key.</summary>
    public const string KeyPrefix = "urn:careledger:key:";

    public static string KeyFor(KeyId key) => KeyPrefix + key;

    /// <summary>The key a <c>urn:careledger:key:&lt;64 hex&gt;</c> names, or null when the text is not one.</summary>
    public static KeyId? KeyOf(string text) =>
        text.StartsWith(KeyPrefix, StringComparison.Ordinal) && KeyId.TryParse(text[KeyPrefix.Length..], out var key) && KeyFor(key) == text ? key : null;

    public static string NewCredentialId() => "urn:uuid:" + Guid.NewGuid().ToString("D");

    /// <summary>What is wrong with a credential id, or null: ids are <c>urn:uuid:</c> and a lowercase UUID.</summary>
    public static string? CredentialIdProblem(string? id) =>
        id is not null && CredentialId().IsMatch(id) ? null : $"'{id}' is not a credential id (urn:uuid: followed by a lowercase UUID)";

    /// <summary>What is wrong with a practitioner reference, or null: <c>Practitioner/&lt;FHIR id&gt;</c>.</summary>
    public static string? PractitionerReferenceProblem(string? reference) =>
        reference is not null && PractitionerReference().IsMatch(reference)
            ? null
            : $"'{reference}' is not a practitioner reference (Practitioner/ followed by a FHIR id of 1-64 of A-Z a-z 0-9 - .)";

    [GeneratedRegex("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex CredentialId();

    [GeneratedRegex("^Practitioner/[A-Za-z0-9\\-.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PractitionerReference();
}
