using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Log;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using System.Data.Common;
using CareLedger.Ledger.State.Storage;
using CareLedger.Storage;

namespace CareLedger.Ledger.Engine;

/// <summary>
/// The full offline audit behind <c>careledger verify</c>: every log record decoded and its signature checked,
/// every rule re-judged, a fresh Merkle tree rebuilt and compared with the persisted one, every stored checkpoint
/// checked against the rebuilt tree and the checkpoint keys named by genesis, and the state database compared
/// row by row with a replay. The replay is a scratch SQLite file whichever store the node uses: a PostgreSQL state
/// that equals it row by row was built by the same rules. Stops at the first problem, which it names with its location.
/// </summary>
internal sealed class LedgerVerifier : IDisposable
{
    private const int Chunk = 4096;

    private readonly string data;
    private readonly PostgresStore? postgres;
    private readonly IProgress<VerifyProgress>? progress;
    private readonly CancellationToken ct;
    private readonly MerkleTree rebuilt = MerkleTree.CreateInMemory();
    private readonly string replayPath = Path.Combine(Path.GetTempPath(), $"careledger-verify-{Guid.NewGuid():N}.db");
    private readonly LedgerState replay;
    private readonly TransactionRules rules;
    private long signatures;
    private long stateRows;
    private long treeLeaves;
    private long checkpointCount;
    private ITransactionPayload? genesis;

    private LedgerVerifier(LedgerOptions options, IProgress<VerifyProgress>? progress, CancellationToken ct)
    {
        data = options.DataDirectory;
        postgres = options.Postgres;
        this.progress = progress;
        this.ct = ct;
        replay = LedgerState.Open(replayPath);
        rules = new TransactionRules(replay);
    }

    public static VerifyReport Run(LedgerOptions options, IProgress<VerifyProgress>? progress, CancellationToken ct)
    {
        var dataDirectory = options.DataDirectory;
        if (!Directory.Exists(LedgerLayout.Log(dataDirectory)))
        {
            throw new DirectoryNotFoundException($"'{dataDirectory}' holds no ledger log ({LedgerLayout.Log(dataDirectory)} is missing)");
        }

        using var verifier = new LedgerVerifier(options, progress, ct);
        var problem = verifier.Verify();
        return new VerifyReport(
            [
                ("transactions", verifier.replay.AppliedCount),
                ("signatures verified", verifier.signatures),
                ("tree leaves compared", verifier.treeLeaves),
                ("checkpoints verified", verifier.checkpointCount),
                ("state rows compared", verifier.stateRows),
            ],
            problem);
    }

    private VerifyProblem? Verify()
    {
        FileLog log;
        try
        {
            log = FileLog.Open(new FileLogOptions(LedgerLayout.Log(data)), out _);
        }
        catch (LogCorruptedException e)
        {
            return new VerifyProblem("log-corrupted", $"{e.SegmentPath} offset {e.Offset}" + (e.RecordIndex is { } index ? $" (record {index})" : ""), e.Message);
        }

        using (log)
        {
            var stateApplied = AppliedCountOfNodeState();
            if (stateApplied > log.Count)
            {
                return new VerifyProblem("state-ahead-of-log", StateLocation, $"the state has applied {stateApplied} transactions but the log holds {log.Count}");
            }

            return ReplayLog(log, stateApplied) ?? CompareTree() ?? VerifyCheckpoints();
        }
    }

    /// <summary>Replays the log into the fresh tree and state; compares the node's state when the replay reaches its applied count.</summary>
    private VerifyProblem? ReplayLog(FileLog log, long stateApplied)
    {
        var total = log.Count;
        if (stateApplied == 0 && CompareState() is { } early)
        {
            return early;
        }

        var entries = new List<LogEntry>(Chunk);
        using var reader = log.ReadFrom(0).GetEnumerator();
        var more = true;
        while (more)
        {
            ct.ThrowIfCancellationRequested();
            entries.Clear();
            // Chunks end where the node's state ends, so that the replay can be compared with it at exactly that prefix.
            var chunkEnd = replay.AppliedCount < stateApplied ? Math.Min(replay.AppliedCount + Chunk, stateApplied) : replay.AppliedCount + Chunk;
            while (replay.AppliedCount + entries.Count < chunkEnd && (more = reader.MoveNext()))
            {
                entries.Add(reader.Current);
            }

            if (entries.Count == 0)
            {
                break;
            }

            if (ReplayChunk(entries) is { } problem)
            {
                return problem;
            }

            progress?.Report(new VerifyProgress("log", replay.AppliedCount, total));
            if (replay.AppliedCount == stateApplied && CompareState() is { } mismatch)
            {
                return mismatch;
            }
        }

        return null;
    }

    private VerifyProblem? ReplayChunk(List<LogEntry> entries)
    {
        var count = entries.Count;
        var decoded = new (SignedTransaction Signed, ITransactionPayload Payload)?[count];
        var errors = new string?[count];
        var leafHashes = new byte[count][];
        Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, i =>
        {
            leafHashes[i] = Rfc9162.HashLeaf(entries[i].Payload.Span);
            try
            {
                var signed = SignedTransaction.Decode(entries[i].Payload);
                decoded[i] = (signed, TransactionPayloads.Decode(signed.Transaction));
            }
            catch (InvalidTransactionException e)
            {
                errors[i] = $"not a valid transaction ({e.Code}): {e.Message}";
            }
        });

        // Keys registered inside this chunk sign later entries of the same chunk: collect them before verifying.
        var spkis = new byte[]?[count];
        var chunkKeys = new Dictionary<Crypto.KeyId, byte[]>();
        for (var i = 0; i < count; i++)
        {
            if (decoded[i] is not { } item)
            {
                continue;
            }

            var author = item.Signed.Transaction.Author;
            spkis[i] = item.Payload switch
            {
                GenesisPayload g => g.Keys.FirstOrDefault(k => k.Key == author)?.PublicKeySpki,
                ConsortiumGenesisPayload c => c.Members.FirstOrDefault(m => m.OrganisationKey == author)?.OrganisationKeySpki,
                _ => chunkKeys.GetValueOrDefault(author) ?? replay.FindKey(author)?.PublicKeySpki,
            };
            var registered = item.Payload switch
            {
                GenesisPayload g => g.Keys.Select(k => (k.Key, k.PublicKeySpki)),
                ConsortiumGenesisPayload c => c.Members.SelectMany(m => new[] { (m.OrganisationKey, m.OrganisationKeySpki), (m.NodeKey, m.NodeKeySpki) }),
                KeyRegisteredPayload k => [(k.Key, k.PublicKeySpki)],
                // A join or rotation registers its keys only where a vote executes it; a key id is the hash of its key,
                // so knowing the key early only lets the signature be checked here: the rules still judge the author.
                ConsortiumProposalPayload { Member: { } m } => [(m.OrganisationKey, m.OrganisationKeySpki), (m.NodeKey, m.NodeKeySpki)],
                _ => [],
            };
            foreach (var (key, spki) in registered)
            {
                chunkKeys.TryAdd(key, spki);
            }
        }

        var valid = new bool[count];
        Parallel.For(0, count, new ParallelOptions { CancellationToken = ct }, i =>
            valid[i] = decoded[i] is { } item && spkis[i] is { } spki && item.Signed.VerifySignatureOfKnownAuthor(spki));

        var batch = new List<AppliedTransaction>(count);
        for (var i = 0; i < count; i++)
        {
            var index = entries[i].Index;
            var location = $"log entry {index}";
            if (errors[i] is { } error)
            {
                return new VerifyProblem("invalid-transaction", location, error);
            }

            var (signed, payload) = decoded[i]!.Value;
            if (index == 0)
            {
                genesis = payload is GenesisPayload or ConsortiumGenesisPayload ? payload : null;
            }

            if (!valid[i])
            {
                return new VerifyProblem("bad-signature", location, $"the signature of transaction {signed.Transaction.Id} does not verify with author key {signed.Transaction.Author}");
            }

            signatures++;
            var verdict = rules.Check(signed, payload, leafHashes[i], index);
            if (verdict.Outcome != RuleOutcome.Accepted)
            {
                var why = verdict.Outcome == RuleOutcome.AlreadyApplied ? $"transaction {signed.Transaction.Id} repeats leaf {verdict.LeafIndex}" : $"{verdict.Message} ({verdict.Code})";
                return new VerifyProblem("rule-violation", location, why);
            }

            batch.Add(new AppliedTransaction(index, signed, payload, leafHashes[i]));
            rebuilt.Append(leafHashes[i]);
        }

        replay.Apply(batch);
        rules.Clear();
        return null;
    }

    private VerifyProblem? CompareTree()
    {
        var directory = LedgerLayout.Merkle(data);
        if (!Directory.Exists(directory))
        {
            return new VerifyProblem("tree-missing", directory, "the Merkle tree directory is missing");
        }

        using var persisted = MerkleTree.Open(directory);
        if (persisted.Size > rebuilt.Size)
        {
            return new VerifyProblem("tree-mismatch", directory, $"the persisted tree has {persisted.Size} leaves but the log holds {rebuilt.Size}");
        }

        for (long i = 0; i < persisted.Size; i++)
        {
            if ((i & 0xFFFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            if (!persisted.LeafHash(i).AsSpan().SequenceEqual(rebuilt.LeafHash(i)))
            {
                return new VerifyProblem("tree-mismatch", $"{directory} leaf {i}", "the persisted leaf hash differs from the hash of log entry " + i);
            }

            treeLeaves++;
        }

        return persisted.Size == 0 || persisted.RootHash().AsSpan().SequenceEqual(rebuilt.RootHash(persisted.Size))
            ? null
            : new VerifyProblem("tree-mismatch", directory, $"the persisted root at size {persisted.Size} differs from the root rebuilt from the log (an interior hash is wrong)");
    }

    private VerifyProblem? VerifyCheckpoints()
    {
        var directory = LedgerLayout.Checkpoints(data);
        if (genesis is null)
        {
            return rebuilt.Size == 0 ? null : new VerifyProblem("no-genesis", "log entry 0", "the first transaction is not a genesis");
        }

        if (genesis is GenesisPayload single)
        {
            // A single node signs with its log key and cosigns with its own key: both are required.
            IReadOnlyList<VerifierKey> keys = single.CheckpointVerifierKeys();
            return VerifyCheckpointTable(directory, CheckpointStore.ReadAll(directory), "checkpoint", single.Origin, _ => (keys, 2));
        }

        // A consortium member's own checkpoints carry its cosignature (by any key it ever held: it may cosign a size
        // before it joined); its commit points a quorum's, of the member set in force at their size (ADR 0008), as the
        // replay of the log derived it.
        var network = (ConsortiumGenesisPayload)genesis;
        IReadOnlyList<VerifierKey> everyMember = [.. (replay.Governance?.History ?? []).Select(m => m.ToCosigner().CosignerKey)];
        return VerifyCheckpointTable(directory, CheckpointStore.ReadAll(directory), "checkpoint", network.Origin, _ => (everyMember, 1))
            ?? VerifyCheckpointTable(directory, CheckpointStore.ReadAllCommits(directory), "commit point", network.Origin,
                size => ([.. replay.MembersAt(size).Select(m => m.ToCosigner().CosignerKey)], replay.QuorumAt(size)));
    }

    private VerifyProblem? VerifyCheckpointTable(string directory, IEnumerable<(long Size, string Note)> stored, string what, string origin, Func<long, (IReadOnlyList<VerifierKey> Trusted, int Required)> keysAt)
    {
        foreach (var (size, text) in stored)
        {
            ct.ThrowIfCancellationRequested();
            var location = $"{Path.Combine(directory, CheckpointStore.FileName)} {what} of size {size}";
            SignedCheckpoint checkpoint;
            try
            {
                checkpoint = SignedCheckpoint.Parse(text);
            }
            catch (FormatException e)
            {
                return new VerifyProblem("checkpoint-malformed", location, e.Message);
            }

            if (checkpoint.Size != size || checkpoint.Body.Origin != origin)
            {
                return new VerifyProblem("checkpoint-mismatch", location, $"the note says origin '{checkpoint.Body.Origin}' size {checkpoint.Size}; expected origin '{origin}' size {size}");
            }

            if (size > rebuilt.Size)
            {
                return new VerifyProblem("checkpoint-beyond-log", location, $"the checkpoint covers {size} transactions but the log holds {rebuilt.Size}");
            }

            if (!checkpoint.Body.RootHash.AsSpan().SequenceEqual(rebuilt.RootHash(size)))
            {
                return new VerifyProblem("checkpoint-root-mismatch", location, "the checkpoint's root differs from the root of the tree rebuilt from the log");
            }

            var (trusted, required) = keysAt(size);
            var verification = NoteVerifier.Verify(checkpoint.Note, trusted);
            if (!verification.Valid || verification.VerifiedBy.Distinct().Count() < required)
            {
                return new VerifyProblem("checkpoint-signature", location,
                    verification.Error ?? $"signed by {verification.VerifiedBy.Distinct().Count()} of the checkpoint keys in force at that size; {required} required");
            }

            checkpointCount++;
        }

        return null;
    }

    /// <summary>The node's state at this moment against the replay at the same prefix, row by row.</summary>
    private VerifyProblem? CompareState()
    {
        using var node = OpenNodeState();
        if (node is null)
        {
            return null;
        }

        using var scratch = SqliteStateDatabase.OpenForAudit(replayPath)!;
        using var expected = StateDump.Rows(scratch).GetEnumerator();
        using var actual = StateDump.Rows(node).GetEnumerator();
        while (true)
        {
            var hasExpected = expected.MoveNext();
            var hasActual = actual.MoveNext();
            if (!hasExpected && !hasActual)
            {
                return null;
            }

            if (hasExpected && hasActual && expected.Current == actual.Current)
            {
                stateRows++;
                continue;
            }

            var row = hasActual && (!hasExpected || string.CompareOrdinal(actual.Current.Table + actual.Current.Key, expected.Current.Table + expected.Current.Key) <= 0)
                ? actual.Current
                : expected.Current;
            var message = (hasExpected, hasActual) switch
            {
                (true, false) => $"row missing; the replay of the log has [{expected.Current.Values}]",
                (false, true) => $"row [{actual.Current.Values}] is not produced by the replay of the log",
                _ when expected.Current.Table == actual.Current.Table && expected.Current.Key == actual.Current.Key =>
                    $"row is [{actual.Current.Values}] but the replay of the log gives [{expected.Current.Values}]",
                _ => $"rows differ: the state has [{actual.Current.Values}], the replay of the log has [{expected.Current.Values}]",
            };
            return new VerifyProblem("state-mismatch", $"{StateLocation} table {row.Table} key {row.Key}", message);
        }
    }

    private string StateLocation => postgres?.Describe() ?? LedgerLayout.State(data);

    /// <summary>A read-only session on the node's state (beside a running node), or null if it has none yet.</summary>
    private DbConnection? OpenNodeState() =>
        postgres is null ? SqliteStateDatabase.OpenForAudit(LedgerLayout.State(data)) : PostgresStateDatabase.OpenForAudit(postgres);

    private long AppliedCountOfNodeState()
    {
        using var connection = OpenNodeState();
        if (connection is null)
        {
            return 0;
        }

        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT value FROM meta WHERE name = '{StateSchema.MetaAppliedCount}'";
        return StateDatabase.MetaNumber(command.ExecuteScalar()) ?? 0;
    }

    public void Dispose()
    {
        replay.Dispose();
        rebuilt.Dispose();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(replayPath + suffix);
        }
    }
}
