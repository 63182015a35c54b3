using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Consortium.Bootstrap;
using CareLedger.Ledger.Log;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using CareLedger.Storage;

namespace CareLedger.Ledger.Engine;

/// <summary>A member admitted by a vote joins from another member's snapshot plus the stream's suffix (ADR 0010).</summary>
public sealed partial class LedgerEngine
{
    /// <summary>
    /// This member's log up to what its state has applied, with the stream position saved there and its latest commit
    /// point (which that prefix covers): what a member admitted by a vote bootstraps from.
    /// </summary>
    /// <exception cref="InvalidOperationException">not a consortium member, or no commit point yet.</exception>
    public ConsortiumSnapshot ExportSnapshot()
    {
        var commit = CommitPoint ?? throw new InvalidOperationException("this member has no commit point yet: a snapshot needs a quorum-cosigned checkpoint");
        var (applied, position) = state.AppliedPosition()
            ?? throw new InvalidOperationException("this member has not applied any stream message yet");
        if (commit.Size > applied)
        {
            throw new InvalidOperationException($"the commit point ({commit.Size}) is ahead of the applied state ({applied}); retry");
        }

        var entries = new ReadOnlyMemory<byte>[applied];
        for (var i = 0; i < applied; i++)
        {
            entries[i] = log.Read(i);
        }

        return new ConsortiumSnapshot(commit.Note.ToString(), position, entries);
    }

    /// <summary>
    /// Makes an empty data directory, whose keys were created with <see cref="NodeKeys.Create"/>, a member of the
    /// network that <paramref name="genesis"/> founded and that has since admitted it by a vote, from an untrusted
    /// <paramref name="snapshot"/>: leaf 0 must be <paramref name="genesis"/>; the prefix's root must be the root of
    /// the commit point, which a quorum of the member set in force at its size (as the prefix itself derives it) must
    /// have cosigned; every transaction is judged again by the rules and its signature checked; and this node's keys
    /// must be those of a member in force. Then the node is opened with <see cref="OpenAsync"/> and reads the
    /// stream's suffix from the snapshot's position. Returns the member as the network admitted it.
    /// </summary>
    /// <exception cref="SnapshotRejectedException">the snapshot fails a check; nothing is left in the data directory.</exception>
    public static MemberRecord JoinConsortiumFromSnapshot(string dataDirectory, SignedTransaction genesis, ConsortiumSnapshot snapshot, PostgresStore? postgres = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(snapshot);
        using var keys = NodeKeys.Load(dataDirectory);
        if (TransactionPayloads.Decode(genesis.Transaction) is not ConsortiumGenesisPayload network)
        {
            throw new ArgumentException($"the genesis is a {genesis.Transaction.Type} transaction, not a consortium genesis", nameof(genesis));
        }

        if (snapshot.Entries.Count == 0 || !snapshot.Entries[0].Span.SequenceEqual(genesis.Encoded.Span))
        {
            throw new SnapshotRejectedException($"the snapshot's leaf 0 is not the genesis of network '{network.Network}'");
        }

        // The commit point first: a tampered prefix is refused before anything is written.
        SignedNote note;
        Checkpoint checkpoint;
        try
        {
            note = SignedNote.Parse(snapshot.CommitNote);
            checkpoint = Checkpoint.Parse(note.Text);
        }
        catch (FormatException e)
        {
            throw new SnapshotRejectedException($"the snapshot's commit point is not a checkpoint note: {e.Message}");
        }

        if (checkpoint.Origin != network.Origin || checkpoint.Size < 1 || checkpoint.Size > snapshot.Entries.Count)
        {
            throw new SnapshotRejectedException($"the snapshot's commit point (origin '{checkpoint.Origin}', size {checkpoint.Size}) does not cover its {snapshot.Entries.Count} transactions of origin '{network.Origin}'");
        }

        var leafHashes = snapshot.Entries.Select(e => Rfc9162.HashLeaf(e.Span)).ToArray();
        if (!ConsortiumSnapshot.RootOf(leafHashes, 0, (int)checkpoint.Size).AsSpan().SequenceEqual(checkpoint.RootHash))
        {
            throw new SnapshotRejectedException($"the snapshot's first {checkpoint.Size} transactions do not have the root of its commit point: the snapshot was altered");
        }

        foreach (var existing in new[] { LedgerLayout.Log(dataDirectory), LedgerLayout.Merkle(dataDirectory), LedgerLayout.State(dataDirectory), LedgerLayout.Checkpoints(dataDirectory) })
        {
            if (Path.Exists(existing))
            {
                throw new InvalidOperationException($"'{dataDirectory}' already holds a ledger ({existing} exists); refusing to join over it");
            }
        }

        // A schema that held tables before is not this join's to clean (the state refuses a used one anyway).
        var emptySchema = postgres is not null && PostgresSessions.TablesIn(postgres) == 0;
        try
        {
            return Replay(dataDirectory, keys, network, snapshot, note, checkpoint, leafHashes, postgres);
        }
        catch (SnapshotRejectedException)
        {
            // Nothing half-built is left behind: the member joins again from a good snapshot.
            if (postgres is not null && emptySchema)
            {
                PostgresSessions.DropTables(postgres);
            }

            foreach (var created in new[] { LedgerLayout.Log(dataDirectory), LedgerLayout.Merkle(dataDirectory), LedgerLayout.Checkpoints(dataDirectory) })
            {
                if (Directory.Exists(created))
                {
                    Directory.Delete(created, recursive: true);
                }
            }

            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(LedgerLayout.State(dataDirectory) + suffix);
            }

            throw;
        }
    }

    private static MemberRecord Replay(string dataDirectory, NodeKeys keys, ConsortiumGenesisPayload network, ConsortiumSnapshot snapshot, SignedNote note, Checkpoint checkpoint, byte[][] leafHashes, PostgresStore? postgres)
    {
        using var log = FileLog.Open(new FileLogOptions(LedgerLayout.Log(dataDirectory)), out _);
        using var tree = MerkleTree.Open(LedgerLayout.Merkle(dataDirectory));
        using var state = LedgerState.Open(dataDirectory, postgres);
        if (state.AppliedCount > 0)
        {
            throw new InvalidOperationException($"the state ({state.Location}) already holds a ledger; refusing to join over it");
        }

        var rules = new TransactionRules(state);
        var batch = new List<AppliedTransaction>(ReplayBatch);
        for (var leaf = 0; leaf < snapshot.Entries.Count; leaf++)
        {
            SignedTransaction signed;
            ITransactionPayload payload;
            try
            {
                signed = SignedTransaction.Decode(snapshot.Entries[leaf]);
                payload = TransactionPayloads.Decode(signed.Transaction);
            }
            catch (InvalidTransactionException e)
            {
                throw new SnapshotRejectedException($"the snapshot's leaf {leaf} is not a valid transaction: {e.Message}");
            }

            if (rules.AuthorPublicKey(signed.Transaction, payload) is not { } spki || !signed.VerifySignatureOfKnownAuthor(spki))
            {
                throw new SnapshotRejectedException($"the snapshot's leaf {leaf} is not signed by a key registered before it");
            }

            var verdict = rules.Check(signed, payload, leafHashes[leaf], leaf);
            if (verdict.Outcome != RuleOutcome.Accepted)
            {
                throw new SnapshotRejectedException($"the snapshot's leaf {leaf} breaks the rules ({verdict.Code}): {verdict.Message}");
            }

            log.Append(snapshot.Entries[leaf].Span);
            tree.Append(leafHashes[leaf]);
            batch.Add(new AppliedTransaction(leaf, signed, payload, leafHashes[leaf]));
            if (batch.Count == ReplayBatch || leaf == snapshot.Entries.Count - 1)
            {
                log.Flush();
                state.Apply(batch, leaf == snapshot.Entries.Count - 1 ? snapshot.Position : null);
                rules.Clear();
                batch.Clear();
            }
        }

        // The commit point must be a quorum's of the member set in force at its size, as this replay derived it.
        var collector = new CosignatureCollector(network.Origin, size => new ConsortiumMemberSet([.. state.MembersAt(size).Select(m => m.ToCosigner())], state.QuorumAt(size)));
        collector.Add(note);
        if (collector.CommitPoint?.Size != checkpoint.Size)
        {
            throw new SnapshotRejectedException($"the snapshot's commit point (size {checkpoint.Size}) is not cosigned by a quorum ({state.QuorumAt(checkpoint.Size)}) of the members in force at that size");
        }

        var ownKey = keys.Cosigner.VerifierKey.ToVkey();
        var member = state.MembersAt(long.MaxValue).FirstOrDefault(m => m.CosignerVerifierKey == ownKey)
            ?? throw new SnapshotRejectedException($"this node's cosigner key ({ownKey}) is not the key of a member in force at the snapshot's size {snapshot.Entries.Count}: has the network voted it in yet?");
        if (member.OrganisationKey != keys.Organisation.Id || member.NodeKey != keys.Node.Id)
        {
            throw new SnapshotRejectedException($"the network gives member '{member.Name}' other organisation or node keys than this node's");
        }

        tree.Flush();
        using var checkpoints = CheckpointStore.Open(LedgerLayout.Checkpoints(dataDirectory));
        checkpoints.AppendCommit(new SignedCheckpoint(note, checkpoint));
        return member;
    }
}

/// <summary>A snapshot offered to a joining member failed a check: it is not the network's history as a quorum cosigned it.</summary>
public sealed class SnapshotRejectedException(string message) : Exception(message);
