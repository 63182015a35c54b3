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
/// <para>
/// Before the digest, each thread remembers the last token it found (<see cref="TryGet"/> and <see cref="Add"/> with the
/// string the token is a slice of — the request's Authorization header, which Kestrel hands out again on a kept-alive
/// connection): a request bearing the same token characters as the thread's previous one is answered by comparing them,
/// without transcoding and hashing the token. Compared in full, so only the very same token matches; expired the same way.
/// </para>
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider time, int capacity = 10_000)
{
    /// <summary>Tokens up to this many UTF-8 bytes are hashed from the stack; longer ones from a pooled buffer.</summary>
    private const int StackBytes = 4096;

    [ThreadStatic]
    private static IncrementalHash? hash;

    // The token this thread found last (see the class's remarks); mutated only by its own thread.
    [ThreadStatic]
    private static Recent? recent;

    private readonly ConcurrentDictionary<TokenDigest, (ValidatedCaller Caller, DateTimeOffset Expires)> entries = new();

    /// <summary>The caller of a token validated before and not yet expired, with the door's view of it made when it was added.</summary>
    /// <param name="token">The token.</param>
    /// <param name="caller">Its caller, when found.</param>
    /// <param name="source">
    /// The string <paramref name="token"/> is a slice of (the Authorization header's value), if any: this thread then
    /// remembers the token by its place in that string, without copying it.
    /// </param>
    public bool TryGet(ReadOnlySpan<char> token, out ValidatedCaller caller, string? source = null)
    {
        var now = time.GetUtcNow();
        if (recent is { } last && ReferenceEquals(last.Cache, this) && last.Expires > now
            && token.SequenceEqual(last.Source.AsSpan(last.Start, last.Length)))
        {
            caller = last.Caller!;
            return true;
        }

        if (entries.TryGetValue(TokenDigest.Of(token), out var entry) && entry.Expires > now)
        {
            Remember(source, token, entry.Caller, entry.Expires);
            caller = entry.Caller;
            return true;
        }

        caller = null!;
        return false;
    }

    /// <param name="token">The token, just validated.</param>
    /// <param name="caller">Its caller.</param>
    /// <param name="expires">Its <c>exp</c>; a token without one is not kept.</param>
    /// <param name="source">As for <see cref="TryGet"/>.</param>
    public void Add(ReadOnlySpan<char> token, ValidatedCaller caller, DateTimeOffset? expires, string? source = null)
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
        Remember(source, token, caller, until);
    }

    private void Remember(string? source, ReadOnlySpan<char> token, ValidatedCaller caller, DateTimeOffset expires)
    {
        if (source is null || !source.AsSpan().Overlaps(token, out var start) || start < 0 || start + token.Length > source.Length)
        {
            return;
        }

        var last = recent ??= new Recent();
        last.Cache = this;
        last.Source = source;
        last.Start = start;
        last.Length = token.Length;
        last.Caller = caller;
        last.Expires = expires;
    }

    private sealed class Recent
    {
        public ValidatedTokenCache? Cache { get; set; }

        public string Source { get; set; } = string.Empty;

        public int Start { get; set; }

        public int Length { get; set; }

        public ValidatedCaller? Caller { get; set; }

        public DateTimeOffset Expires { get; set; }
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
