using CareLedger.Portal.Components;
using CareLedger.Portal.SignIn;
using Microsoft.AspNetCore.Authentication;

namespace CareLedger.Portal;

/// <summary>Maps the portal below <c>/portal</c>.</summary>
public static class PortalEndpointRouteBuilderExtensions
{
    /// <summary>Pages anyone may open without signing in.</summary>
    private static readonly string[] PublicPaths = ["/portal", "/portal/", "/portal/check", PortalClient.SignInPath, PortalClient.CallbackPath, PortalClient.SignOutPath];

    /// <summary>Call after <c>UseCareLedgerIdentity</c> (authentication must already be in the pipeline).</summary>
    public static WebApplication MapCareLedgerPortal(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(PortalAuthentication.CookiePath, StringComparison.Ordinal))
            {
                var session = await context.AuthenticateAsync(PortalAuthentication.Scheme);
                if (session.Succeeded)
                {
                    context.User = session.Principal;
                }
                else if (!IsPublic(context.Request.Path) && HttpMethods.IsGet(context.Request.Method))
                {
                    context.Response.Redirect($"{PortalClient.SignInPath}?returnUrl={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
                    return;
                }

                context.Response.Headers.CacheControl = "no-store";
                context.Response.Headers["Referrer-Policy"] = "no-referrer";
                context.Response.Headers.XContentTypeOptions = "nosniff";
            }

            await next(context);
        });
        app.UseAntiforgery();
        PortalSignInEndpoints.Map(app);
        PortalDownloads.Map(app);
        app.MapRazorComponents<PortalApp>();
        return app;
    }

    private static bool IsPublic(PathString path) =>
        PublicPaths.Contains(path.Value?.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/portal", StringComparer.Ordinal);
}
