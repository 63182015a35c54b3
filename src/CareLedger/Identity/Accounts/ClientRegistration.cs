namespace CareLedger.Identity.Accounts;

/// <summary>What kind of OAuth client: a backend service, or an app that people sign in to.</summary>
public enum ClientKind
{
    /// <summary>A backend service (SMART Backend Services): client credentials, confidential, <c>system/*</c> scopes only.</summary>
    System,

    /// <summary>A SMART app: authorization code with PKCE and refresh tokens; public (no secret) or confidential.</summary>
    App,
}

/// <summary>An OAuth client to register.</summary>
public sealed record ClientRegistration(string ClientId, ClientKind Kind)
{
    public const string DefaultSystemScopes = "system/*.rs";
    public const string DefaultAppScopes = "openid fhirUser offline_access launch/patient patient/*.cruds user/*.cruds";

    public string? DisplayName { get; init; }

    /// <summary>Required for a system client; null makes an app a public client (PKCE only).</summary>
    public string? Secret { get; init; }

    /// <summary>Where an app's authorization responses may go (exact match); at least one for an app.</summary>
    public IReadOnlyList<Uri> RedirectUris { get; init; } = [];

    /// <summary>The most this client may ever be granted (space-separated SMART scopes); null takes the kind's default.</summary>
    public string? AllowedScopes { get; init; }

    /// <summary>What a system client acts as, e.g. <c>Organization/lab-1</c> or <c>Device/importer</c>.</summary>
    public string? FhirReference { get; init; }

    /// <summary>
    /// Public keys the client signs its client assertions with (<c>private_key_jwt</c>, RFC 7523, as SMART Backend Services
    /// do) instead of a secret; for a system client only.
    /// </summary>
    public Microsoft.IdentityModel.Tokens.JsonWebKeySet? Keys { get; init; }

    /// <summary>
    /// For another consortium member's node (F3, ADR 0009): the organisation its tokens name, so that the door treats
    /// it as that organisation, never as this custodian's own service.
    /// </summary>
    public string? MemberOrganisation { get; init; }

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => $"ClientRegistration {{ ClientId = {ClientId}, Kind = {Kind} }}";
}

/// <summary>A registered client as the store shows it (never the secret).</summary>
public sealed record ClientAccount(
    string ClientId,
    ClientKind Kind,
    string? DisplayName,
    bool IsConfidential,
    Scopes.ScopeSet AllowedScopes,
    IReadOnlyList<Uri> RedirectUris,
    FhirReference? Reference)
{
    /// <summary>The organisation of the consortium member whose node this client is; null for the custodian's own clients.</summary>
    public string? MemberOrganisation { get; init; }
}
