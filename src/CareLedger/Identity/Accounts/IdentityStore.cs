using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using CareLedger.Identity.Scopes;
using CareLedger.Identity.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;
using AspNetPasswordHasher = Microsoft.AspNetCore.Identity.PasswordHasher<CareLedger.Identity.Storage.UserRecord>;
using PasswordHasherOptions = Microsoft.AspNetCore.Identity.PasswordHasherOptions;
using PasswordVerificationResult = Microsoft.AspNetCore.Identity.PasswordVerificationResult;

namespace CareLedger.Identity.Accounts;

/// <summary>
/// People's accounts and OAuth clients in DATA/identity.db. Passwords are kept only as PBKDF2-HMAC-SHA512 hashes
/// (ASP.NET Core Identity v3 format, 100,000 iterations, 128-bit salt); client secrets are hashed by OpenIddict.
/// Used by the node's endpoints and, standalone through <see cref="OpenAsync(string, CancellationToken)"/>, by the command line.
/// </summary>
public sealed partial class IdentityStore : IAsyncDisposable
{
    public const int MinimumPasswordLength = 8;
    public const int MinimumSecretLength = 16;
    public const int PasswordIterations = 100_000;

    private const string KindProperty = "careledger_kind";
    private const string AllowedScopesProperty = "careledger_allowed_scopes";
    private const string FhirReferenceProperty = "careledger_fhir_reference";
    private const string MemberOrganisationProperty = "careledger_member_organisation";

    private static readonly AspNetPasswordHasher s_hasher = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = Microsoft.AspNetCore.Identity.PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = PasswordIterations,
    }));

    // Verifying against this when a user name is unknown makes "no such user" cost as much as "wrong password".
    private static readonly Lazy<string> s_decoyHash = new(() => s_hasher.HashPassword(null!, Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));

    private readonly IServiceScopeFactory _scopes;
    private readonly IdentityOptions _options;
    private readonly ServiceProvider? _owned;
    private readonly Lazy<Task> _initialised;

    internal IdentityStore(IServiceScopeFactory scopes, IdentityOptions options, ServiceProvider? owned = null)
    {
        _scopes = scopes;
        _options = options;
        _owned = owned;
        _initialised = new(() => InitialiseAsync(CancellationToken.None));
    }

    /// <summary>Opens (creating if needed) the store of a data directory without a web host, e.g. for the command line.</summary>
    public static Task<IdentityStore> OpenAsync(string dataDirectory, CancellationToken ct = default) =>
        OpenAsync(new IdentityOptions(dataDirectory), ct);

    /// <summary>As <see cref="OpenAsync(string, CancellationToken)"/>, with the lockout policy and clock of <paramref name="options"/>.</summary>
    public static async Task<IdentityStore> OpenAsync(IdentityOptions options, CancellationToken ct = default)
    {
        options = options with { DataDirectory = Path.GetFullPath(options.DataDirectory) };
        var services = new ServiceCollection();
        services.AddLogging();
        IdentityServiceCollectionExtensions.AddIdentityStorage(services, options);
        var provider = services.BuildServiceProvider();
        var store = new IdentityStore(provider.GetRequiredService<IServiceScopeFactory>(), options, provider);
        await store.EnsureInitialisedAsync(ct);
        return store;
    }

    /// <summary>Creates the database on first use; every public method awaits it.</summary>
    public Task EnsureInitialisedAsync(CancellationToken ct = default) => _initialised.Value.WaitAsync(ct);

    public async Task<UserAccount> AddUserAsync(NewUser user, CancellationToken ct = default)
    {
        await EnsureInitialisedAsync(ct);
        var userName = NormaliseUserName(user.UserName);
        if (user.Role == CareLedgerRole.System)
        {
            throw new IdentityException("a system is a client, not a person: register it with AddClientAsync");
        }

        var reference = CheckReference(user.Role, user.FhirReference);
        var patientId = user.Role switch
        {
            CareLedgerRole.Patient => user.ActsForPatient is null || user.ActsForPatient == reference!.Value.Id
                ? reference!.Value.Id
                : throw new IdentityException("a patient acts only for themselves: leave ActsForPatient empty"),
            CareLedgerRole.Guardian or CareLedgerRole.Caregiver => CheckPatientId(user.ActsForPatient, user.Role),
            _ => user.ActsForPatient is null
                ? null
                : throw new IdentityException($"a {user.Role.ToName()} does not act for a patient: leave ActsForPatient empty"),
        };
        CheckPassword(user.Password);

        var record = new UserRecord
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            UserName = userName,
            PasswordHash = s_hasher.HashPassword(null!, user.Password),
            Role = user.Role.ToName(),
            FhirReference = reference?.ToString(),
            PatientId = patientId,
            CreatedAt = _options.Time.GetUtcNow(),
        };

        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        if (await db.Users.AnyAsync(u => u.UserName == userName, ct))
        {
            throw new IdentityException($"the user name '{userName}' is taken");
        }

        db.Users.Add(record);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new IdentityException($"the user name '{userName}' is taken");
        }

        return ToAccount(record);
    }

    public async Task<UserAccount?> FindAsync(string userName, CancellationToken ct = default)
    {
        await EnsureInitialisedAsync(ct);
        var normalised = userName.Trim().ToLowerInvariant();
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var record = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.UserName == normalised, ct);
        return record is null ? null : ToAccount(record);
    }

    /// <summary>By the account id (the <c>sub</c> claim).</summary>
    public async Task<UserAccount?> FindByIdAsync(string id, CancellationToken ct = default)
    {
        await EnsureInitialisedAsync(ct);
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var record = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, ct);
        return record is null ? null : ToAccount(record);
    }

    public async Task<IReadOnlyList<UserAccount>> ListUsersAsync(CancellationToken ct = default)
    {
        await EnsureInitialisedAsync(ct);
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var records = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(ct);
        return [.. records.Select(ToAccount)];
    }

    public async Task SetPasswordAsync(string userName, string newPassword, CancellationToken ct = default)
    {
        await EnsureInitialisedAsync(ct);
        CheckPassword(newPassword);
        var normalised = userName.Trim().ToLowerInvariant();
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var record = await db.Users.SingleOrDefaultAsync(u => u.UserName == normalised, ct)
            ?? throw new IdentityException($"no user named '{normalised}'");
        record.PasswordHash = s_hasher.HashPassword(record, newPassword);
        record.FailedLogins = 0;
        record.LockedUntil = null;
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Checks a password; counts failures and locks the account for a while after too many in a row, so that
    /// passwords cannot be guessed at the speed of the login form.
    /// </summary>
    internal async Task<PasswordCheck> CheckPasswordAsync(string userName, string password, CancellationToken ct)
    {
        await EnsureInitialisedAsync(ct);
        var normalised = userName.Trim().ToLowerInvariant();
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityDbContext>();
        var record = await db.Users.SingleOrDefaultAsync(u => u.UserName == normalised, ct);
        if (record is null)
        {
            s_hasher.VerifyHashedPassword(null!, s_decoyHash.Value, password);
            return PasswordCheck.Failure;
        }

        var now = _options.Time.GetUtcNow();
        if (record.LockedUntil is { } until && until > now)
        {
            return PasswordCheck.Locked;
        }

        var result = s_hasher.VerifyHashedPassword(record, record.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            record.FailedLogins++;
            if (record.FailedLogins >= _options.MaxFailedLogins)
            {
                record.LockedUntil = now + _options.LockoutDuration;
                record.FailedLogins = 0;
            }

            await db.SaveChangesAsync(ct);
            return PasswordCheck.Failure;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            record.PasswordHash = s_hasher.HashPassword(record, password);
        }

        record.FailedLogins = 0;
        record.LockedUntil = null;
        await db.SaveChangesAsync(ct);
        return new PasswordCheck(ToAccount(record), LockedOut: false);
    }

    public async Task<ClientAccount> AddClientAsync(ClientRegistration client, CancellationToken ct = default)
    {
        await EnsureInitialisedAsync(ct);
        if (!ClientIdPattern().IsMatch(client.ClientId))
        {
            throw new IdentityException($"'{client.ClientId}' is not a client id (3-64 of A-Z a-z 0-9 . _ -)");
        }

        ScopeSet allowed;
        try
        {
            allowed = ScopeSet.Parse(client.AllowedScopes
                ?? (client.Kind == ClientKind.System ? ClientRegistration.DefaultSystemScopes : ClientRegistration.DefaultAppScopes));
        }
        catch (FormatException e)
        {
            throw new IdentityException($"client '{client.ClientId}': {e.Message}");
        }

        if (client.Secret is { Length: < MinimumSecretLength })
        {
            throw new IdentityException($"a client secret has at least {MinimumSecretLength} characters");
        }

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            ClientSecret = client.Secret,
            DisplayName = client.DisplayName ?? client.ClientId,
            ClientType = client.Secret is null ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = ConsentTypes.Implicit,
        };

        if (client.Kind == ClientKind.System)
        {
            if (client.Secret is null && client.Keys is not { Keys.Count: > 0 })
            {
                throw new IdentityException("a system client authenticates with a secret or signed client assertions: give a secret or its public keys");
            }

            if (client.Keys is { Keys.Count: > 0 } keys)
            {
                descriptor.ClientType = ClientTypes.Confidential;
                descriptor.JsonWebKeySet = keys;
            }

            if (allowed.Any(s => !(s.IsResourceScope && s.Context == SmartContext.System)))
            {
                throw new IdentityException("a system client may be allowed only system/* scopes");
            }

            if (client.RedirectUris.Count > 0)
            {
                throw new IdentityException("a system client has no redirect URIs (it uses client credentials)");
            }

            descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials]);
        }
        else
        {
            if (allowed.HasContext(SmartContext.System))
            {
                throw new IdentityException("an app acts for people: system/* scopes are for system clients");
            }

            if (client.RedirectUris.Count == 0)
            {
                throw new IdentityException("an app needs at least one redirect URI");
            }

            foreach (var uri in client.RedirectUris)
            {
                CheckRedirectUri(uri);
                descriptor.RedirectUris.Add(uri);
            }

            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
            ]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        FhirReference? reference = null;
        if (client.FhirReference is not null)
        {
            if (client.Kind != ClientKind.System)
            {
                throw new IdentityException("an app acts as the person signed in: only a system client has its own FHIR reference");
            }

            reference = CheckReference(CareLedgerRole.System, client.FhirReference);
            descriptor.Properties[FhirReferenceProperty] = JsonSerializer.SerializeToElement(reference.ToString());
        }

        if (client.MemberOrganisation is { } member)
        {
            if (client.Kind != ClientKind.System || string.IsNullOrWhiteSpace(member))
            {
                throw new IdentityException("only a system client can be another member's node, and it names that member's organisation");
            }

            descriptor.Properties[MemberOrganisationProperty] = JsonSerializer.SerializeToElement(member);
        }

        descriptor.Properties[KindProperty] = JsonSerializer.SerializeToElement(client.Kind.ToString());
        descriptor.Properties[AllowedScopesProperty] = JsonSerializer.SerializeToElement(allowed.ToString());

        await using var scope = _scopes.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        if (await manager.FindByClientIdAsync(client.ClientId, ct) is not null)
        {
            throw new IdentityException($"the client id '{client.ClientId}' is taken");
        }

        try
        {
            await manager.CreateAsync(descriptor, ct);
        }
        catch (OpenIddictExceptions.ValidationException e)
        {
            throw new IdentityException($"client '{client.ClientId}': {string.Join("; ", e.Results.Select(r => r.ErrorMessage))}");
        }

        return new ClientAccount(client.ClientId, client.Kind, descriptor.DisplayName, descriptor.ClientType == ClientTypes.Confidential, allowed,
            [.. client.RedirectUris], reference)
        {
            MemberOrganisation = client.MemberOrganisation,
        };
    }

    public async Task<ClientAccount?> FindClientAsync(string clientId, CancellationToken ct = default)
    {
        await EnsureInitialisedAsync(ct);
        await using var scope = _scopes.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await manager.FindByClientIdAsync(clientId, ct);
        if (application is null)
        {
            return null;
        }

        var properties = await manager.GetPropertiesAsync(application, ct);
        var kind = Enum.Parse<ClientKind>(Property(properties, KindProperty) ?? nameof(ClientKind.App));
        var allowed = ScopeSet.Parse(Property(properties, AllowedScopesProperty));
        var reference = Property(properties, FhirReferenceProperty) is { } text ? FhirReference.Parse(text) : (FhirReference?)null;
        var redirects = await manager.GetRedirectUrisAsync(application, ct);
        return new ClientAccount(
            clientId,
            kind,
            await manager.GetDisplayNameAsync(application, ct),
            await manager.HasClientTypeAsync(application, ClientTypes.Confidential, ct),
            allowed,
            [.. redirects.Select(r => new Uri(r))],
            reference)
        {
            MemberOrganisation = Property(properties, MemberOrganisationProperty),
        };
    }

    /// <summary>Removes a client: its secret stops working at once; tokens already issued expire on their own.</summary>
    /// <returns>False if there was no such client.</returns>
    public async Task<bool> RemoveClientAsync(string clientId, CancellationToken ct = default)
    {
        await EnsureInitialisedAsync(ct);
        await using var scope = _scopes.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        if (await manager.FindByClientIdAsync(clientId, ct) is not { } application)
        {
            return false;
        }

        await manager.DeleteAsync(application, ct);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }
    }

    private async Task InitialiseAsync(CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        await IdentityDatabase.EnsureCreatedAsync(scope.ServiceProvider.GetRequiredService<IdentityDbContext>(), _options.DataDirectory, ct);
    }

    private static string? Property(ImmutableDictionary<string, JsonElement> properties, string name) =>
        properties.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static UserAccount ToAccount(UserRecord record) => new(
        record.Id,
        record.UserName,
        CareLedgerRoles.Parse(record.Role),
        record.FhirReference is null ? null : FhirReference.Parse(record.FhirReference),
        record.PatientId,
        record.CreatedAt);

    private static string NormaliseUserName(string userName)
    {
        var normalised = userName.Trim().ToLowerInvariant();
        return UserNamePattern().IsMatch(normalised)
            ? normalised
            : throw new IdentityException($"'{userName}' is not a user name (3-64 of a-z 0-9 . _ - @)");
    }

    private static FhirReference? CheckReference(CareLedgerRole role, string? text)
    {
        var (types, required) = RoleScopes.ReferenceRule(role);
        if (text is null)
        {
            return required
                ? throw new IdentityException($"a {role.ToName()} needs the FHIR resource they act as ({string.Join(" or ", types)}/id)")
                : null;
        }

        if (!FhirReference.TryParse(text, out var reference, out var error))
        {
            throw new IdentityException($"'{text}' is not a FHIR reference: {error}");
        }

        return types.Contains(reference.ResourceType)
            ? reference
            : throw new IdentityException($"a {role.ToName()} acts as a {string.Join(" or ", types)}, not a {reference.ResourceType}");
    }

    private static string CheckPatientId(string? patientId, CareLedgerRole role) =>
        patientId is not null && FhirReference.TryParse("Patient/" + patientId, out _, out _)
            ? patientId
            : throw new IdentityException($"a {role.ToName()} needs the id of the patient they act for (ActsForPatient)");

    private static void CheckPassword(string password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumPasswordLength)
        {
            throw new IdentityException($"a password has at least {MinimumPasswordLength} characters");
        }
    }

    /// <summary>HTTPS anywhere, plain HTTP only to this machine (RFC 8252 §7.3), never a fragment.</summary>
    private static void CheckRedirectUri(Uri uri)
    {
        if (!uri.IsAbsoluteUri || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new IdentityException($"redirect URI '{uri}' must be absolute and without a fragment");
        }

        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
        {
            throw new IdentityException($"redirect URI '{uri}' must use https (http only for loopback addresses)");
        }
    }

    [GeneratedRegex("^[a-z0-9._@-]{3,64}$")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{3,64}$")]
    private static partial Regex ClientIdPattern();
}

/// <summary>The outcome of a password check: the account on success.</summary>
internal sealed record PasswordCheck(UserAccount? Account, bool LockedOut)
{
    public static PasswordCheck Failure { get; } = new(null, false);

    public static PasswordCheck Locked { get; } = new(null, true);
}
