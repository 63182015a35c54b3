using System.Text.Encodings.Web;

namespace CareLedger.Identity.Server;

/// <summary>The login form: one self-contained page, no scripts, no external resources.</summary>
internal static class LoginPage
{
    /// <summary>Nothing may load from elsewhere, run script, frame the page or post the form off-site.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static string Render(string action, string returnUrl, string antiforgeryField, string antiforgeryToken, string? userName, string? error)
    {
        var html = HtmlEncoder.Default;
        var errorBlock = error is null ? "" : $"""<p class="error" role="alert">{html.Encode(error)}</p>""";
        return $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · CareLedger</title>
            <style>
            body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}
            label{display:block;margin-top:1rem;font-weight:600}
            input{width:100%;padding:.5rem;margin-top:.25rem;box-sizing:border-box;font-size:1rem}
            button{margin-top:1.5rem;padding:.6rem 1.4rem;font-size:1rem}
            .error{color:#8a1c1c;border:1px solid #8a1c1c;padding:.5rem;border-radius:4px}
            </style>
            </head>
            <body>
            <main>
            <h1>Sign in to CareLedger</h1>
            {{errorBlock}}
            <form method="post" action="{{html.Encode(action)}}">
            <input type="hidden" name="{{html.Encode(antiforgeryField)}}" value="{{html.Encode(antiforgeryToken)}}">
            <input type="hidden" name="returnUrl" value="{{html.Encode(returnUrl)}}">
            <label for="username">User name</label>
            <input id="username" name="username" autocomplete="username" required autofocus value="{{html.Encode(userName ?? "")}}">
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            </main>
            </body>
            </html>
            """;
    }

    public static string RenderProblem(string message)
    {
        var html = HtmlEncoder.Default;
        return $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign in · CareLedger</title></head>
            <body><main><h1>Cannot sign in</h1><p role="alert">{{html.Encode(message)}}</p></main></body></html>
            """;
    }
}
