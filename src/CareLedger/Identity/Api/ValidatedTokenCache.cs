using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace CareLedger.Identity.Api;

/// <summary>
/// Remembers the caller of each access token already validated, until the token expires, so that a client's second
/// request does not pay for the signature check and the validation pipeline again (most of the cost of a FHIR read).
/// Sound because validation of a self-contained JWT is a function of the token and the clock: the same bytes validate
/// the same way until <c>exp</c>, and an expired entry is never used. Tokens are keyed by their SHA-256, never kept; a
/// look-up hashes the token straight from the request header into a stack buffer, so it allocates nothing.
/// Bounded: when full it is cleared and refills from the tokens in use.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider time, int capacity = 10_000)
{
    /// <summary>Tokens up to this many UTF-8 bytes are hashed from the stack; longer ones from a pooled buffer.</summary>
    private const int StackBytes = 4096;

    [ThreadStatic]
    private static IncrementalHash? hash;

    private readonly ConcurrentDictionary<TokenDigest, (ValidatedCaller Caller, DateTimeOffset Expires)> entries = new();

    /// <summary>The caller of a token validated before and not yet expired, with the door's view of it made when it was added.</summary>
    public bool TryGet(ReadOnlySpan<char> token, out ValidatedCaller caller)
    {
        if (entries.TryGetValue(TokenDigest.Of(token), out var entry) && entry.Expires > time.GetUtcNow())
        {
            caller = entry.Caller;
            return true;
        }

        caller = null!;
        return false;
    }

    public void Add(ReadOnlySpan<char> token, ValidatedCaller caller, DateTimeOffset? expires)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (expires is not { } until || until <= time.GetUtcNow())
        {
            return;
        }

        if (entries.Count >= capacity)
        {
            entries.Clear();
        }

        entries[TokenDigest.Of(token)] = (caller, until);
    }

    /// <summary>The SHA-256 of a token's UTF-8 bytes, as a value: equal digests, equal tokens (collision resistance).</summary>
    private readonly record struct TokenDigest(UInt128 High, UInt128 Low)
    {
        public static TokenDigest Of(ReadOnlySpan<char> token)
        {
            var length = Encoding.UTF8.GetMaxByteCount(token.Length);
            byte[]? rented = null;
            var bytes = length <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
            try
            {
                var written = Encoding.UTF8.GetBytes(token, bytes);
                Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
                // One SHA-256 context per thread, reset after each token, instead of a one-shot OpenSSL context
                // created and freed on every request (the same digest).
                var sha = hash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                sha.AppendData(bytes[..written]);
                sha.GetHashAndReset(digest);
                return new TokenDigest(MemoryMarshal.Read<UInt128>(digest), MemoryMarshal.Read<UInt128>(digest[16..]));
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
    }
}
