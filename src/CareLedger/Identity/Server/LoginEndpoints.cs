using System.Security.Claims;
using CareLedger.Identity.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CareLedger.Identity.Server;

/// <summary>
/// GET and POST /connect/login: the username and password form that /connect/authorize sends people to. On success
/// it sets the login cookie and returns to the authorization request; it never leads anywhere else.
/// </summary>
internal static class LoginEndpoints
{
    public const string WrongCredentials = "The user name or password is incorrect, or the account is locked for a few minutes after repeated failures.";

    public static IResult Show(HttpContext context, IAntiforgery antiforgery)
    {
        var returnUrl = context.Request.Query["ReturnUrl"].ToString();
        return IsAuthorizationRequest(context, returnUrl)
            ? Page(context, antiforgery, StatusCodes.Status200OK, returnUrl, userName: null, error: null)
            : Problem(context, "This page is reached from an app's sign-in request; start again from the app.");
    }

    public static async Task<IResult> SubmitAsync(HttpContext context, IAntiforgery antiforgery, IdentityStore store, ILoggerFactory loggers)
    {
        var ct = context.RequestAborted;
        if (!context.Request.HasFormContentType)
        {
            return Problem(context, "The sign-in form was not sent as a form.");
        }

        var form = await context.Request.ReadFormAsync(ct);
        var returnUrl = form["returnUrl"].ToString();
        if (!IsAuthorizationRequest(context, returnUrl))
        {
            return Problem(context, "This page is reached from an app's sign-in request; start again from the app.");
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            return Page(context, antiforgery, StatusCodes.Status400BadRequest, returnUrl, null, "The form expired. Please sign in again.");
        }

        var userName = form["username"].ToString();
        var password = form["password"].ToString();
        var check = userName.Length == 0 || password.Length == 0
            ? PasswordCheck.Failure
            : await store.CheckPasswordAsync(userName, password, ct);
        if (check.Account is not { } account)
        {
            // Neither the user name nor the password goes into the log: both are personal, one is secret.
            var logger = loggers.CreateLogger(typeof(LoginEndpoints));
            if (check.LockedOut)
            {
                logger.LogWarning("A sign-in to a locked account was refused");
            }
            else
            {
                logger.LogWarning("A sign-in failed");
            }

            return Page(context, antiforgery, StatusCodes.Status401Unauthorized, returnUrl, userName, WrongCredentials);
        }

        var identity = new ClaimsIdentity(LoginDefaults.Scheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, account.Id);
        await context.SignInAsync(LoginDefaults.Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        return Results.Redirect(returnUrl);
    }

    /// <summary>Only a local /connect/authorize URL: anything else would make the form an open redirect.</summary>
    private static bool IsAuthorizationRequest(HttpContext context, string returnUrl)
    {
        var path = context.Request.PathBase.Add(IdentityRoutes.Authorize).Value!;
        return returnUrl.StartsWith(path + "?", StringComparison.Ordinal) || returnUrl == path;
    }

    private static IResult Page(HttpContext context, IAntiforgery antiforgery, int status, string returnUrl, string? userName, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        Secure(context);
        var action = context.Request.PathBase.Add(IdentityRoutes.Login).Value!;
        return Results.Content(
            LoginPage.Render(action, returnUrl, tokens.FormFieldName, tokens.RequestToken!, userName, error),
            "text/html; charset=utf-8",
            statusCode: status);
    }

    private static IResult Problem(HttpContext context, string message)
    {
        Secure(context);
        return Results.Content(LoginPage.RenderProblem(message), "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
    }

    private static void Secure(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = LoginPage.ContentSecurityPolicy;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
    }
}
