using CareLedger.Identity.Accounts;
using CareLedger.Identity.Api;
using CareLedger.Identity.Keys;
using CareLedger.Identity.Server;
using CareLedger.Identity.Storage;
using Microsoft.AspNetCore.DataProtection;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CareLedger.Identity;

/// <summary>Wires the authorisation server, the login page and bearer-token validation into the node.</summary>
public static class IdentityServiceCollectionExtensions
{
    public static IServiceCollection AddCareLedgerIdentity(this IServiceCollection services, IdentityOptions options)
    {
        options = options with { DataDirectory = Path.GetFullPath(options.DataDirectory) };
        var keys = IdentityKeys.LoadOrCreate(options.KeysDirectory);

        services.AddSingleton(options);
        AddIdentityStorage(services, options);
        services.AddSingleton(sp => new IdentityStore(sp.GetRequiredService<IServiceScopeFactory>(), options));
        services.AddSingleton<IssuerResolver>();
        services.AddSingleton<TokenPrincipals>();
        services.AddSingleton(new ValidatedTokenCache(options.Time));

        // The login cookie and the form's antiforgery token are protected by keys that survive restarts.
        var protectionKeys = new DirectoryInfo(Path.Combine(options.KeysDirectory, "data-protection"));
        if (OperatingSystem.IsWindows())
        {
            protectionKeys.Create();
        }
        else
        {
            Directory.CreateDirectory(protectionKeys.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        services.AddDataProtection().SetApplicationName("careledger").PersistKeysToFileSystem(protectionKeys);
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "careledger.antiforgery";
            o.Cookie.Path = LoginDefaults.CookiePath;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddAuthentication().AddCookie(LoginDefaults.Scheme, o =>
        {
            o.LoginPath = IdentityRoutes.Login;
            o.Cookie.Name = LoginDefaults.CookieName;
            o.Cookie.Path = LoginDefaults.CookiePath;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = options.LoginSessionLifetime;
            o.SlidingExpiration = false;
        });

        services.AddOpenIddict()
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris(IdentityRoutes.Authorize.TrimStart('/'))
                    .SetTokenEndpointUris(IdentityRoutes.Token.TrimStart('/'))
                    .SetConfigurationEndpointUris(IdentityRoutes.OpenIdConfiguration.TrimStart('/'))
                    .SetJsonWebKeySetEndpointUris(IdentityRoutes.Jwks.TrimStart('/'));
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange()
                    .AllowClientCredentialsFlow()
                    .AllowRefreshTokenFlow();
                server.SetAccessTokenLifetime(options.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(options.RefreshTokenLifetime)
                    .SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(5));

                // SMART scopes are open-ended (any resource type, granular queries), so OpenIddict cannot hold a list
                // of them: the endpoints narrow every request through ScopeGrants instead.
                server.DisableScopeValidation().IgnoreScopePermissions();
                server.RegisterScopes("openid", "fhirUser", "offline_access", "launch/patient");
                server.RegisterClaims(Claims.Subject, TokenClaims.FhirUser, TokenClaims.Role, TokenClaims.Patient, TokenClaims.Organisation);

                // RSA first: OpenIddict signs with the first key unless told otherwise, so ID tokens (which OpenID Connect
                // clients must be able to check with RS256) and everything else stay RS256; access tokens alone are signed
                // with the P-256 key (ADR 0014). Both keys are in the JWKS and validate tokens here.
                server.AddSigningKey(keys.Signing).AddSigningKey(keys.AccessTokenSigning).AddEncryptionKey(keys.Encryption);
                AccessTokenSigning.Configure(server, keys.AccessTokenSigning);
                if (!options.EncryptAccessTokens)
                {
                    server.DisableAccessTokenEncryption();
                }

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough();
            })
            .AddValidation(validation =>
            {
                validation.UseLocalServer();
                // Only the Authorization header: a token in a URL ends up in logs and browser history (RFC 6750 §5.3),
                // and FHIR form posts (_search) must not carry one by accident.
                validation.UseAspNetCore()
                    .DisableAccessTokenExtractionFromQueryString()
                    .DisableAccessTokenExtractionFromBodyForm();
            });

        // Built on first use (the first request), when the server knows the address it bound.
        services.AddOptions<OpenIddictServerOptions>().Configure<IssuerResolver>((o, issuer) => o.Issuer = issuer.Issuer);
        services.AddOptions<OpenIddictServerAspNetCoreOptions>()
            .Configure<IssuerResolver>((o, issuer) => o.DisableTransportSecurityRequirement = issuer.AllowsPlainHttp);
        services.AddOptions<OpenIddictValidationOptions>()
            .Configure<IssuerResolver>((o, issuer) => o.Audiences.Add(issuer.FhirBaseUrl.AbsoluteUri));

        // Per-request protocol chatter is not Information; failures still show.
        services.AddLogging(logging =>
        {
            logging.AddFilter("OpenIddict", LogLevel.Warning);
            logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        });
        return services;
    }

    /// <summary>Creates DATA/identity.db if needed and puts authentication into the pipeline.</summary>
    public static WebApplication UseCareLedgerIdentity(this WebApplication app)
    {
        app.Services.GetRequiredService<IdentityStore>().EnsureInitialisedAsync(app.Lifetime.ApplicationStopping).GetAwaiter().GetResult();
        app.UseAuthentication();
        return app;
    }

    /// <summary>/connect/authorize, /connect/token, /connect/login, /.well-known/smart-configuration and its copy
    /// below the FHIR base (/fhir/.well-known/smart-configuration); OpenIddict itself answers
    /// /.well-known/openid-configuration and /.well-known/jwks.</summary>
    public static IEndpointRouteBuilder MapCareLedgerIdentity(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(IdentityRoutes.Authorize, [HttpMethods.Get, HttpMethods.Post], AuthorizationEndpoint.HandleAsync);
        endpoints.MapPost(IdentityRoutes.Token, TokenEndpoint.HandleAsync);
        endpoints.MapGet(IdentityRoutes.Login, LoginEndpoints.Show);
        endpoints.MapPost(IdentityRoutes.Login, LoginEndpoints.SubmitAsync);
        endpoints.MapGet(IdentityRoutes.SmartConfiguration, SmartConfigurationEndpoint.Handle);

        // SMART apps look for the document below the FHIR base URL they were given.
        var fhirPath = endpoints.ServiceProvider.GetRequiredService<IdentityOptions>().FhirPath.Trim('/');
        endpoints.MapGet($"/{fhirPath}{IdentityRoutes.SmartConfiguration}", SmartConfigurationEndpoint.Handle);
        return endpoints;
    }

    internal static void AddIdentityStorage(IServiceCollection services, IdentityOptions options)
    {
        services.AddDbContext<IdentityDbContext>(db => IdentityDatabase.Configure(db, options.DataDirectory));
        services.AddOpenIddict().AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDbContext>());
    }
}
