using CareLedger.Access.Callers;

namespace CareLedger.Identity.Api;

/// <summary>
/// A caller as a validated access token gives it, with the door's view of it (<see cref="Accessor"/>) made once per
/// token rather than once per request: both are immutable, and both are kept by <see cref="ValidatedTokenCache"/> for
/// no longer than the token's <c>exp</c>.
/// </summary>
public sealed class ValidatedCaller
{
    public ValidatedCaller(CallerContext caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        Caller = caller;
        Accessor = caller.ToAccessor();
    }

    public CallerContext Caller { get; }

    /// <summary><see cref="CallerAccess.ToAccessor"/> of <see cref="Caller"/>.</summary>
    public Accessor Accessor { get; }
}
