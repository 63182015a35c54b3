using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;
using ReceiptFactory = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Ledger.Tests.Engine;

public class LedgerEngineTests
{
    [Fact]
    public async Task Initialising_writes_the_genesis_and_a_checkpoint_signed_and_cosigned_by_the_node()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));

        var genesis = engine.ReadTransaction(0);
        var payload = GenesisPayload.Decode(genesis.Transaction.Payload.Span);
        var checkpoint = engine.LatestCheckpoint!;
        var verification = NoteVerifier.Verify(checkpoint, engine.Keys.CheckpointVerifierKeys);

        Assert.Equal(1, engine.Size);
        Assert.Equal(TxType.Genesis, genesis.Transaction.Type);
        Assert.Equal(engine.Keys.Organisation.Id, genesis.Transaction.Author);
        Assert.Equal(engine.Keys.Log.VerifierKey.ToVkey(), payload.LogVerifierKey);
        Assert.Equal(engine.Keys.Cosigner.VerifierKey.ToVkey(), payload.CosignerVerifierKey);
        Assert.True(verification.Valid, verification.Error);
        Assert.Equal(2, verification.VerifiedBy.Count);
        Assert.Equal(1, Checkpoint.Parse(checkpoint.Text).Size);
        Assert.Equal(TestLedger.Origin, Checkpoint.Parse(checkpoint.Text).Origin);
    }

    [Fact]
    public async Task Initialising_over_an_existing_node_is_refused()
    {
        using var directory = new TempDirectory("engine");
        var options = TestLedger.QuietOptions(directory);
        await (await TestLedger.InitializeAsync(options)).DisposeAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => TestLedger.InitializeAsync(options));
    }

    [Theory]
    [InlineData("has space", "Test Hospital")]
    [InlineData(TestLedger.Origin, "Line\nbreak")]
    [InlineData(TestLedger.Origin, "   ")]
    public async Task Initialising_with_an_invalid_origin_or_organisation_name_creates_nothing(string origin, string organisation)
    {
        using var directory = new TempDirectory("engine");
        var options = TestLedger.QuietOptions(directory);

        await Assert.ThrowsAsync<ArgumentException>(() => LedgerEngine.InitializeAsync(options, origin, organisation, CancellationToken.None));

        Assert.False(Directory.Exists(options.DataDirectory));
    }

    [Fact]
    public async Task Submitted_transactions_get_consecutive_leaves_and_are_durable_when_acknowledged()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));

        var results = await TestLedger.SubmitAnchorsAsync(engine, 50);

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), results.Select(r => r.LeafIndex).Order());
        Assert.All(results, r => Assert.False(r.AlreadyApplied));
        Assert.Equal(51, engine.Size);
        Assert.Equal(51, engine.State.AppliedCount);
        foreach (var result in results)
        {
            var stored = engine.ReadTransaction(result.LeafIndex);
            Assert.Equal(result.Id, stored.Transaction.Id);
            Assert.Equal(result.LeafHash, Rfc9162.HashLeaf(stored.Encoded.Span));
            Assert.True(engine.State.TryGetLeafIndex(result.Id, out var leaf) && leaf == result.LeafIndex);
        }
    }

    [Fact]
    public async Task A_checkpoint_is_signed_after_the_configured_number_of_transactions()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory) with { CheckpointEveryTransactions = 10 });

        for (var i = 0; i < 10; i++)
        {
            await engine.SubmitAsync(TestLedger.Anchor(engine));
        }

        var checkpoint = await engine.WaitForCheckpointAsync(10).WaitAsync(TimeSpan.FromSeconds(20));
        for (var i = 0; i < 5; i++)
        {
            await engine.SubmitAsync(TestLedger.Anchor(engine));
        }

        Assert.Equal(11, Checkpoint.Parse(checkpoint.Text).Size);
        Assert.Equal(11, Checkpoint.Parse(engine.LatestCheckpoint!.Text).Size);
        Assert.Equal(engine.RootHash(11), Checkpoint.Parse(checkpoint.Text).RootHash);
    }

    [Fact]
    public async Task A_checkpoint_is_signed_after_the_interval_when_transactions_wait()
    {
        using var directory = new TempDirectory("engine");
        var options = TestLedger.QuietOptions(directory) with { CheckpointInterval = TimeSpan.FromMilliseconds(50) };
        await using var engine = await TestLedger.InitializeAsync(options);

        var results = await TestLedger.SubmitAnchorsAsync(engine, 3);
        var last = results.Max(r => r.LeafIndex);
        var checkpoint = await engine.WaitForCheckpointAsync(last).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(4, Checkpoint.Parse(checkpoint.Text).Size);
    }

    [Fact]
    public async Task Receipts_verify_offline_against_the_nodes_checkpoint_keys()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory) with { CheckpointEveryTransactions = 20 });

        var results = await TestLedger.SubmitAnchorsAsync(engine, 20);
        await engine.WaitForCheckpointAsync(20).WaitAsync(TimeSpan.FromSeconds(20));

        foreach (var result in results)
        {
            var receipt = engine.GetReceipt(result.Id)!;
            var parsed = ReceiptFactory.Parse(ReceiptFactory.ToJson(receipt));
            var verification = ReceiptFactory.Verify(parsed, engine.Keys.CheckpointVerifierKeys, requiredSignatures: 2);
            Assert.True(verification.Valid, verification.Error);
            Assert.Equal(result.LeafIndex, receipt.LeafIndex);
        }

        Assert.Null(engine.GetReceipt(engine.Size));
        Assert.Null(engine.GetReceipt(TxId.NewId(TimeProvider.System)));
    }

    [Fact]
    public async Task A_retried_transaction_is_applied_once_and_answered_with_its_first_leaf()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));
        var anchor = TestLedger.Anchor(engine);

        var concurrent = await Task.WhenAll(engine.SubmitAsync(anchor).AsTask(), engine.SubmitAsync(anchor).AsTask());
        var later = await engine.SubmitAsync(SignedTransaction.Decode(anchor.Encoded.ToArray()));

        Assert.Equal(2, engine.Size);
        Assert.Single(concurrent, r => !r.AlreadyApplied);
        Assert.All(concurrent.Append(later), r => Assert.Equal(1, r.LeafIndex));
        Assert.True(later.AlreadyApplied);
        Assert.Equal(concurrent[0].LeafHash, later.LeafHash);
    }

    [Fact]
    public async Task A_rejected_transaction_changes_nothing()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));
        await TestLedger.SubmitAnchorsAsync(engine, 3);
        using var stranger = AuthorKey.Generate();
        var unknown = SignedTransaction.Sign(Transaction.Create(new AnchorPayload("audit-event", [1], []), stranger.Id, TimeProvider.System), stranger);
        var original = TestLedger.Anchor(engine);
        await engine.SubmitAsync(original);
        var conflicting = SignedTransaction.Sign(original.Transaction with { Payload = new AnchorPayload("other", [2], []).Encode() }, engine.Keys.Node);
        var (size, root, applied) = (engine.Size, engine.RootHash(engine.Size), engine.State.AppliedCount);

        var unknownAuthor = await Assert.ThrowsAsync<TransactionRejectedException>(() => engine.SubmitAsync(unknown).AsTask());
        var replay = await Assert.ThrowsAsync<TransactionRejectedException>(() => engine.SubmitAsync(conflicting).AsTask());

        Assert.Equal(RejectionCodes.UnknownAuthor, unknownAuthor.Code);
        Assert.Equal(RejectionCodes.ConflictingReplay, replay.Code);
        Assert.Equal(size, engine.Size);
        Assert.Equal(root, engine.RootHash(engine.Size));
        Assert.Equal(applied, engine.State.AppliedCount);
        Assert.False(engine.State.TryGetLeafIndex(unknown.Transaction.Id, out _));
    }

    [Fact]
    public async Task A_forged_or_missing_signature_is_rejected_as_bad_signature()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));
        var genuine = TestLedger.Anchor(engine);
        var forged = SignedTransaction.Decode(Transactions.TestTransactions.Envelope(genuine.Body.Span, engine.Keys.Organisation.Sign(genuine.Body.Span)));
        var unsigned = SignedTransaction.Decode(Transactions.TestTransactions.Envelope(genuine.Body.Span, new byte[64]));

        Assert.Equal(RejectionCodes.BadSignature, (await Assert.ThrowsAsync<TransactionRejectedException>(() => engine.SubmitAsync(forged).AsTask())).Code);
        Assert.Equal(RejectionCodes.BadSignature, (await Assert.ThrowsAsync<TransactionRejectedException>(() => engine.SubmitAsync(unsigned).AsTask())).Code);
        Assert.Equal(1, engine.Size);
    }

    [Fact]
    public async Task Records_for_an_erased_patient_are_rejected_end_to_end()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));
        var patient = Enumerable.Repeat((byte)7, 16).ToArray();
        var record = new RecordCommitment(Enumerable.Repeat((byte)1, 32).ToArray(), patient, 1, RecordOperation.Create, new byte[32]);

        await engine.SubmitAsync(TestLedger.Signed(engine, new RecordsCommittedPayload([record])));
        await engine.SubmitAsync(TestLedger.Signed(engine, new PatientErasedPayload(patient)));
        var rejected = await Assert.ThrowsAsync<TransactionRejectedException>(() =>
            engine.SubmitAsync(TestLedger.Signed(engine, new RecordsCommittedPayload([record with { Version = 2, Operation = RecordOperation.Update }]))).AsTask());

        Assert.Equal(RejectionCodes.PatientErased, rejected.Code);
        Assert.True(engine.State.IsPatientErased(patient));
        Assert.Single(engine.State.RecordHistory(record.RecordRef));
    }

    [Fact]
    public async Task A_key_registered_by_the_organisation_can_author_and_stops_when_revoked()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));
        using var system = AuthorKey.Generate();
        SignedTransaction BySystem() => SignedTransaction.Sign(Transaction.Create(new AnchorPayload("audit-event", [1], []), system.Id, TimeProvider.System), system);
        SignedTransaction ByOrganisation(ITransactionPayload p) => SignedTransaction.Sign(Transaction.Create(p, engine.Keys.Organisation.Id, TimeProvider.System), engine.Keys.Organisation);

        await engine.SubmitAsync(ByOrganisation(new KeyRegisteredPayload(system.PublicKeySpki, "system", "lab system")));
        var accepted = await engine.SubmitAsync(BySystem());
        await engine.SubmitAsync(ByOrganisation(new KeyRevokedPayload(system.Id)));
        var rejected = await Assert.ThrowsAsync<TransactionRejectedException>(() => engine.SubmitAsync(BySystem()).AsTask());

        Assert.Equal(2, accepted.LeafIndex);
        Assert.Equal(RejectionCodes.RevokedAuthor, rejected.Code);
    }

    [Fact]
    public async Task Proofs_from_the_engine_verify_against_its_roots()
    {
        using var directory = new TempDirectory("engine");
        await using var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));
        var results = await TestLedger.SubmitAnchorsAsync(engine, 12);
        var size = engine.Size;

        var inclusion = engine.GetInclusionProof(results[5].LeafIndex, size);
        var consistency = engine.GetConsistencyProof(4, size);

        Assert.True(inclusion.Verify(results[5].LeafHash, engine.RootHash(size)));
        Assert.True(consistency.Verify(engine.RootHash(4), engine.RootHash(size)));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.GetInclusionProof(0, size + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.ReadTransaction(size));
    }

    [Fact]
    public async Task Submitting_after_disposal_is_refused()
    {
        using var directory = new TempDirectory("engine");
        var engine = await TestLedger.InitializeAsync(TestLedger.QuietOptions(directory));
        var anchor = TestLedger.Anchor(engine);
        await engine.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => engine.SubmitAsync(anchor).AsTask());
    }
}
