using CareLedger.Portal.SignIn;
using Microsoft.AspNetCore.Antiforgery;

namespace CareLedger.Portal;

/// <summary>The web portal's services: Blazor (server-side rendering), its session cookie and its client registration.</summary>
public static class PortalServiceCollectionExtensions
{
    /// <summary>Call after <c>AddCareLedgerIdentity</c> (the portal signs people in through the node's own server).</summary>
    public static IServiceCollection AddCareLedgerPortal(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddHttpClient(PortalSignInEndpoints.HttpClientName);
        services.AddHostedService<PortalClientRegistration>();
        services.AddAuthentication().AddCookie(PortalAuthentication.Scheme, o =>
        {
            o.Cookie.Name = PortalAuthentication.CookieName;
            o.Cookie.Path = PortalAuthentication.CookiePath;
            o.Cookie.HttpOnly = true;
            // Strict: no other site can make the browser send the session (the portal's forms are also antiforgery-protected).
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SlidingExpiration = false;
            o.LoginPath = PortalClient.SignInPath;
        });

        // The login page set the antiforgery cookie on /connect only; the portal's forms need it below /portal too.
        services.PostConfigure<AntiforgeryOptions>(o => o.Cookie.Path = "/");
        return services;
    }
}
