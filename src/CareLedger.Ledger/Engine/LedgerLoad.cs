using System.Diagnostics;
using System.Security.Cryptography;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// End-to-end load on a running engine (<c>careledger bench ledger</c>): Anchor transactions of about
/// <c>transactionBytes</c> are signed beforehand with the node's author key, then submitted by
/// <c>concurrency</c> concurrent submitters; each submission is timed until it is durable.
/// </summary>
public static class LedgerLoad
{
    private const int ProgressEvery = 1000;

    public static async Task<LoadResult> RunAsync(LedgerEngine engine, int transactions, int concurrency, int transactionBytes,
                                                  IProgress<LoadProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentOutOfRangeException.ThrowIfLessThan(transactions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(transactionBytes, SignedTransaction.MaxEncodedBytes);

        var signingClock = Stopwatch.StartNew();
        var signed = SignAnchors(engine.Keys.Node, transactions, transactionBytes, progress, ct);
        signingClock.Stop();
        return await RunAsync(signed, (tx, token) => engine.SubmitAsync(tx, token).AsTask(), concurrency, signingClock.Elapsed, progress, ct);
    }

    /// <summary>
    /// Submits <paramref name="signed"/> with <paramref name="concurrency"/> concurrent submitters through
    /// <paramref name="submit"/> (which completes when the transaction is acknowledged) and times each one.
    /// </summary>
    public static async Task<LoadResult> RunAsync(IReadOnlyList<SignedTransaction> signed, Func<SignedTransaction, CancellationToken, Task> submit, int concurrency,
                                                  TimeSpan signingTime, IProgress<LoadProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(signed);
        ArgumentNullException.ThrowIfNull(submit);
        ArgumentOutOfRangeException.ThrowIfLessThan(signed.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        var transactions = signed.Count;
        var latencies = new long[transactions];
        var next = -1;
        var done = 0L;
        var clock = Stopwatch.StartNew();
        var submitters = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            await Task.Yield();
            int i;
            while ((i = Interlocked.Increment(ref next)) < transactions)
            {
                var started = Stopwatch.GetTimestamp();
                await submit(signed[i], ct);
                latencies[i] = Stopwatch.GetTimestamp() - started;
                if (Interlocked.Increment(ref done) % ProgressEvery == 0)
                {
                    progress?.Report(new LoadProgress("submitting", Volatile.Read(ref done), transactions));
                }
            }
        });
        await Task.WhenAll(submitters);
        clock.Stop();
        progress?.Report(new LoadProgress("submitting", transactions, transactions));
        return Summarise(latencies, concurrency, signed[0].Encoded.Length, clock.Elapsed, signingTime);
    }

    /// <summary>
    /// Submits <paramref name="requests"/> (each a group of transactions sent together) with <paramref name="concurrency"/>
    /// concurrent requests through <paramref name="submit"/>, and times every transaction on its own: from its request's
    /// start until <paramref name="submit"/> reports it (the callback's argument is its position in the request), not
    /// until the whole request ends.
    /// </summary>
    public static async Task<LoadResult> RunBatchesAsync(IReadOnlyList<SignedTransaction[]> requests, Func<SignedTransaction[], Action<int>, CancellationToken, Task> submit,
                                                         int concurrency, TimeSpan signingTime, IProgress<LoadProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(submit);
        ArgumentOutOfRangeException.ThrowIfLessThan(requests.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        var offsets = new int[requests.Count + 1];
        for (var r = 0; r < requests.Count; r++)
        {
            offsets[r + 1] = offsets[r] + requests[r].Length;
        }

        var transactions = offsets[^1];
        var latencies = new long[transactions];
        var next = -1;
        var done = 0L;
        var clock = Stopwatch.StartNew();
        var submitters = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            await Task.Yield();
            int r;
            while ((r = Interlocked.Increment(ref next)) < requests.Count)
            {
                var started = Stopwatch.GetTimestamp();
                var offset = offsets[r];
                var answered = 0;
                await submit(requests[r], i =>
                {
                    // At least one tick, so that a second report of the same transaction is seen as one.
                    if (Interlocked.Exchange(ref latencies[offset + i], Math.Max(1, Stopwatch.GetTimestamp() - started)) == 0)
                    {
                        Interlocked.Increment(ref answered);
                    }
                }, ct);
                if (answered != requests[r].Length)
                {
                    throw new InvalidOperationException($"a request of {requests[r].Length} transactions reported {answered} of them");
                }

                var total = Interlocked.Add(ref done, answered);
                if (total / ProgressEvery != (total - answered) / ProgressEvery)
                {
                    progress?.Report(new LoadProgress("submitting", Volatile.Read(ref done), transactions));
                }
            }
        });
        await Task.WhenAll(submitters);
        clock.Stop();
        progress?.Report(new LoadProgress("submitting", transactions, transactions));
        return Summarise(latencies, concurrency, requests[0][0].Encoded.Length, clock.Elapsed, signingTime);
    }

    /// <summary>The rate and latency percentiles of one timed load (sorts <paramref name="latencies"/>, in Stopwatch ticks).</summary>
    private static LoadResult Summarise(long[] latencies, int concurrency, int transactionBytes, TimeSpan elapsed, TimeSpan signingTime)
    {
        Array.Sort(latencies);
        return new LoadResult(
            latencies.Length,
            concurrency,
            transactionBytes,
            elapsed,
            latencies.Length / elapsed.TotalSeconds,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            Stopwatch.GetElapsedTime(0, latencies[^1]),
            signingTime);
    }

    /// <summary>Anchor transactions of about <paramref name="transactionBytes"/> each, signed by <paramref name="key"/> on every core.</summary>
    public static SignedTransaction[] SignAnchors(Crypto.AuthorKey key, int transactions, int transactionBytes, IProgress<LoadProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(transactionBytes, SignedTransaction.MaxEncodedBytes);
        var digest = SHA256.HashData("careledger load"u8);
        var overhead = SignedTransaction.Sign(Transaction.Create(new AnchorPayload("load-test", digest, []), key.Id, TimeProvider.System), key).Encoded.Length;
        // Each extra context byte costs one encoded byte, plus the growth of the length prefixes (at most 4 bytes).
        var context = new byte[Math.Max(0, transactionBytes - overhead - 4)];
        RandomNumberGenerator.Fill(context);
        var signed = new SignedTransaction[transactions];
        var done = 0L;
        Parallel.For(0, transactions, new ParallelOptions { CancellationToken = ct }, i =>
        {
            signed[i] = SignedTransaction.Sign(Transaction.Create(new AnchorPayload("load-test", digest, context), key.Id, TimeProvider.System), key);
            if (Interlocked.Increment(ref done) % ProgressEvery == 0)
            {
                progress?.Report(new LoadProgress("signing", Volatile.Read(ref done), transactions));
            }
        });
        return signed;
    }

    private static TimeSpan Percentile(long[] sortedTimestamps, double quantile)
    {
        var index = (int)Math.Min(sortedTimestamps.Length - 1, Math.Ceiling(quantile * sortedTimestamps.Length) - 1);
        return Stopwatch.GetElapsedTime(0, sortedTimestamps[Math.Max(0, index)]);
    }
}
