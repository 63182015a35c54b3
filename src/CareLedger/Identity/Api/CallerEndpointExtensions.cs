using CareLedger.Identity.Scopes;

namespace CareLedger.Identity.Api;

/// <summary>Puts authentication (and, for fixed endpoints, a SMART scope) in front of minimal-API endpoints.</summary>
public static class CallerEndpointExtensions
{
    /// <summary>401 OperationOutcome without a valid token; otherwise the endpoint gets <see cref="GetCaller"/>.</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new CallerFilter(null, default));

    /// <summary>As <see cref="RequireCaller"/>, and 403 OperationOutcome unless a scope permits the interaction on the type.</summary>
    public static TBuilder RequireSmartScope<TBuilder>(this TBuilder builder, string resourceType, FhirInteraction interaction)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new CallerFilter(resourceType, interaction));

    /// <summary>The caller of an endpoint behind <see cref="RequireCaller"/> or <see cref="RequireSmartScope"/>.</summary>
    public static CallerContext GetCaller(this HttpContext context) =>
        context.Features.Get<CallerContext>()
            ?? throw new InvalidOperationException("no caller: put RequireCaller() or RequireSmartScope() on this endpoint");

    /// <summary>The 403 for a caller whose scopes do not permit the interaction.</summary>
    public static OperationOutcomeResult InsufficientScope(CallerContext caller, string resourceType, FhirInteraction interaction)
    {
        var required = caller.RequiredScope(resourceType, interaction);
        return OperationOutcomeResult.InsufficientScope(required.Text,
            $"the access token lacks the scope {required.Text} needed to {interaction.ToString().ToLowerInvariant()} {resourceType}; it has: {(caller.Scopes.Count == 0 ? "no scopes" : caller.Scopes.ToString())}");
    }

    private sealed class CallerFilter(string? resourceType, FhirInteraction interaction) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            var (validated, failure) = await CallerAuthentication.AuthenticateAsync(http);
            if (validated is null)
            {
                return Refuse(http, failure!);
            }

            var caller = validated.Caller;
            if (resourceType is not null && !caller.Permits(resourceType, interaction))
            {
                http.Features.Set(caller);
                var refusal = InsufficientScope(caller, resourceType, interaction);
                AccessApi.RefusalAudit.Record(http, refusal.StatusCode, refusal.Diagnostics);
                return refusal;
            }

            Admit(http, validated);
            return await next(context);
        }
    }

    /// <summary>
    /// What <see cref="RequireCaller"/> does with an authenticated caller, for a route that authenticates in its own
    /// handler (<see cref="CallerAuthentication.AuthenticateAsync"/>) instead of behind the filter: the caller goes on the
    /// request (<see cref="GetCaller"/>) with the door's view of it, exactly as the filter puts them.
    /// </summary>
    internal static void Admit(HttpContext http, ValidatedCaller validated)
    {
        http.Features.Set(validated.Caller);
        // The door's view of the same caller, made once per token (CallerAccess.GetAccessor checks the pairing).
        http.Features.Set(validated);
    }

    /// <summary>What <see cref="RequireCaller"/> does with a request it cannot authenticate: the refusal recorded, the 401 to answer.</summary>
    internal static OperationOutcomeResult Refuse(HttpContext http, OperationOutcomeResult failure)
    {
        AccessApi.RefusalAudit.Record(http, failure.StatusCode, failure.Diagnostics);
        return failure;
    }
}
