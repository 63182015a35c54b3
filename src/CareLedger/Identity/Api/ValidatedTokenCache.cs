using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Identity.Api;

/// <summary>
/// Remembers the caller of each access token already validated, until the token expires, so that a client's second
/// request does not pay for the signature check and the validation pipeline again (most of the cost of a FHIR read).
/// Sound because validation of a self-contained JWT is a function of the token and the clock: the same bytes validate
/// the same way until <c>exp</c>, and an expired entry is never used. Tokens are keyed by their SHA-256, never kept.
/// Bounded: when full it is cleared and refills from the tokens in use.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider time, int capacity = 10_000)
{
    private readonly ConcurrentDictionary<string, (CallerContext Caller, DateTimeOffset Expires)> entries = new(StringComparer.Ordinal);

    public bool TryGet(string token, out CallerContext caller)
    {
        if (entries.TryGetValue(Key(token), out var entry) && entry.Expires > time.GetUtcNow())
        {
            caller = entry.Caller;
            return true;
        }

        caller = null!;
        return false;
    }

    public void Add(string token, CallerContext caller, DateTimeOffset? expires)
    {
        if (expires is not { } until || until <= time.GetUtcNow())
        {
            return;
        }

        if (entries.Count >= capacity)
        {
            entries.Clear();
        }

        entries[Key(token)] = (caller, until);
    }

    private static string Key(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
