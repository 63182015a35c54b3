namespace CareLedger.Identity;

/// <summary>How the node's authorisation server is set up. Immutable; tests use <c>with</c>.</summary>
/// <param name="DataDirectory">The node's DATA directory: accounts in DATA/identity.db, keys in DATA/keys.</param>
public sealed record IdentityOptions(string DataDirectory)
{
    /// <summary>
    /// The issuer (the node's public base URL, e.g. <c>https://node.example.org/</c>). Null takes the first address
    /// Kestrel bound, which resolves port 0 in tests; a wildcard bind (0.0.0.0) then fails with a clear message.
    /// </summary>
    public Uri? Issuer { get; init; }

    /// <summary>The FHIR API's path below the issuer; its absolute URL is the audience of every access token.</summary>
    public string FhirPath { get; init; } = "fhir";

    /// <summary>The member organisation running the node (an institution's name); every token carries it.</summary>
    public string? Organisation { get; init; }

    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>How long a sign-in on the login page lasts before the person is asked again.</summary>
    public TimeSpan LoginSessionLifetime { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Encrypt access tokens (JWE). Off by default: a plain signed JWT (RFC 9068) lets other members' resource
    /// servers validate it with the published keys; it carries references and scopes, no clinical content.
    /// </summary>
    public bool EncryptAccessTokens { get; init; }

    /// <summary>Consecutive wrong passwords that lock an account for <see cref="LockoutDuration"/>.</summary>
    public int MaxFailedLogins { get; init; } = 5;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public string KeysDirectory => Path.Combine(DataDirectory, "keys");
}
