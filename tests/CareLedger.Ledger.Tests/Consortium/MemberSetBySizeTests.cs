using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium;
using CareLedger.Ledger.Consortium.Evidence;

namespace CareLedger.Ledger.Tests.Consortium;

/// <summary>
/// Checkpoint N is judged against the member set and quorum in force at N (ADR 0008): a change executed at leaf L
/// governs sizes greater than L. Member sets here change at L = 10.
/// </summary>
public sealed class MemberSetBySizeTests : IClassFixture<ConsortiumKeys>, IDisposable
{
    private const long ChangedAt = 10;

    private readonly ConsortiumKeys keys;
    private readonly CosignerKey rotated = CosignerKey.Generate("m1.cosigner");

    public MemberSetBySizeTests(ConsortiumKeys keys) => this.keys = keys;

    public void Dispose() => rotated.Dispose();

    /// <summary>m0, m1, m2 with quorum 2 up to <see cref="ChangedAt"/>; then <paramref name="after"/>.</summary>
    private Func<long, ConsortiumMemberSet> Changing(ConsortiumMemberSet after) =>
        size => size > ChangedAt ? after : new ConsortiumMemberSet([keys.Members[0], keys.Members[1], keys.Members[2]], 2);

    private SignedNote Cosigned(long size, params CosignerKey[] by)
    {
        var text = ConsortiumKeys.CheckpointText(size, ConsortiumKeys.Root("A", size));
        return new SignedNote(text, by.Select(k => k.Cosign(text, DateTimeOffset.UnixEpoch)));
    }

    [Fact]
    public void A_member_that_joined_counts_only_for_sizes_after_the_change()
    {
        var joined = new ConsortiumMemberSet([.. keys.Members], 3);
        var before = new CosignatureCollector(ConsortiumKeys.Origin, Changing(joined));

        // At size 10 the fourth member is not yet in force: its cosignature is unknown there.
        var report = before.Add(Cosigned(ChangedAt, keys.Cosigners[0], keys.Cosigners[3]));
        Assert.Equal(1, report.IgnoredUnknownKeys);
        Assert.Null(before.CommitPoint);

        // At size 11 it is, and the quorum in force there is 3.
        var after = new CosignatureCollector(ConsortiumKeys.Origin, Changing(joined));
        Assert.Equal(0, after.Add(Cosigned(ChangedAt + 1, keys.Cosigners[0], keys.Cosigners[3])).IgnoredUnknownKeys);
        Assert.Null(after.CommitPoint);
        after.Add(Cosigned(ChangedAt + 1, keys.Cosigners[2]));
        Assert.Equal(["m0", "m2", "m3"], after.CommitPoint!.Members);
        Assert.Equal(3, after.Quorum);
    }

    [Fact]
    public void A_removed_members_cosignatures_no_longer_count_after_it_left()
    {
        var left = new ConsortiumMemberSet([keys.Members[0], keys.Members[1]], 2);

        var collector = new CosignatureCollector(ConsortiumKeys.Origin, Changing(left));
        var report = collector.Add(Cosigned(ChangedAt + 1, keys.Cosigners[0], keys.Cosigners[2]));
        Assert.Equal(1, report.IgnoredUnknownKeys);
        Assert.Null(collector.CommitPoint);

        // Before it left, the same member's cosignature still commits a checkpoint.
        collector.Add(Cosigned(ChangedAt, keys.Cosigners[0], keys.Cosigners[2]));
        Assert.Equal(["m0", "m2"], collector.CommitPoint!.Members);
        Assert.Equal(ChangedAt, collector.CommitPoint.Size);
    }

    [Fact]
    public void A_rotated_keys_old_signatures_stop_counting_after_the_rotation_but_old_checkpoints_still_verify()
    {
        var afterRotation = new ConsortiumMemberSet([keys.Members[0], new ConsortiumMember("m1", rotated.VerifierKey), keys.Members[2]], 2);

        var old = new CosignatureCollector(ConsortiumKeys.Origin, Changing(afterRotation));
        old.Add(Cosigned(ChangedAt, keys.Cosigners[0], keys.Cosigners[1]));
        Assert.Equal(["m0", "m1"], old.CommitPoint!.Members);

        var stale = new CosignatureCollector(ConsortiumKeys.Origin, Changing(afterRotation));
        Assert.Equal(1, stale.Add(Cosigned(ChangedAt + 1, keys.Cosigners[0], keys.Cosigners[1])).IgnoredUnknownKeys);
        Assert.Null(stale.CommitPoint);
        // Nor can the new key sign for sizes before the rotation.
        Assert.Equal(1, stale.Add(Cosigned(ChangedAt, keys.Cosigners[0], rotated)).IgnoredUnknownKeys);
        Assert.Null(stale.CommitPoint);

        stale.Add(Cosigned(ChangedAt + 1, rotated));
        Assert.Equal(["m0", "m1"], stale.CommitPoint!.Members);
        Assert.Equal(ChangedAt + 1, stale.CommitPoint.Size);
    }

    [Fact]
    public void A_changed_quorum_governs_sizes_after_the_change()
    {
        var stricter = new ConsortiumMemberSet([keys.Members[0], keys.Members[1], keys.Members[2]], 3);
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, Changing(stricter));

        collector.Add(Cosigned(ChangedAt + 1, keys.Cosigners[0], keys.Cosigners[1]));
        Assert.Null(collector.CommitPoint);
        collector.Add(Cosigned(ChangedAt, keys.Cosigners[0], keys.Cosigners[1]));
        Assert.Equal(ChangedAt, collector.CommitPoint!.Size);
        collector.Add(Cosigned(ChangedAt + 1, keys.Cosigners[2]));
        Assert.Equal(ChangedAt + 1, collector.CommitPoint!.Size);
    }

    [Fact]
    public void Cosignatures_that_arrive_before_a_quorum_raise_is_applied_are_judged_by_the_raised_quorum_once_it_is()
    {
        // A member behind the others: it has applied leaves 0 … 9, not the vote at leaf 10 that raises the quorum to 3.
        var raised = new ConsortiumMemberSet([keys.Members[0], keys.Members[1], keys.Members[2]], 3);
        var applied = ChangedAt;
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, Known(raised, () => applied), () => applied);

        // Two of the faster members' cosignatures of 11 are a quorum by the set it knows so far, but not by the set in force.
        collector.Add(Cosigned(ChangedAt + 1, keys.Cosigners[0], keys.Cosigners[1]));
        Assert.Null(collector.CommitPoint);
        applied = ChangedAt + 1;
        Assert.False(collector.Recheck());
        Assert.Null(collector.CommitPoint);

        // Its own cosignature, once it has applied the vote, completes the raised quorum.
        Assert.True(collector.Add(Cosigned(ChangedAt + 1, keys.Cosigners[2])).CommitAdvanced);
        Assert.Equal(ChangedAt + 1, collector.CommitPoint!.Size);
        Assert.Equal(["m0", "m1", "m2"], collector.CommitPoint.Members);
    }

    [Fact]
    public void A_joined_members_cosignature_that_arrives_before_its_join_is_applied_counts_once_it_is()
    {
        var joined = new ConsortiumMemberSet([.. keys.Members], 4);
        var applied = ChangedAt;
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, Known(joined, () => applied), () => applied);

        Assert.Equal(1, collector.Add(Cosigned(ChangedAt + 1, keys.Cosigners[3])).IgnoredUnknownKeys);
        collector.Add(Cosigned(ChangedAt + 1, keys.Cosigners[0], keys.Cosigners[1], keys.Cosigners[2]));
        Assert.Null(collector.CommitPoint);

        applied = ChangedAt + 1;
        Assert.True(collector.Recheck());
        Assert.Equal(["m0", "m1", "m2", "m3"], collector.CommitPoint!.Members);
        Assert.Equal(0, collector.Candidates);
    }

    [Fact]
    public void A_signature_by_an_unknown_key_is_not_kept_for_a_settled_size_and_a_bad_one_never_counts()
    {
        var joined = new ConsortiumMemberSet([.. keys.Members], 2);
        var applied = ChangedAt;
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, Known(joined, () => applied), () => applied);

        // Size 10 is settled: m3's signature there is unknown for good.
        collector.Add(Cosigned(ChangedAt, keys.Cosigners[3]));
        Assert.Equal(0, collector.Candidates);

        // Size 11 is not: m3's signature is kept unverified, and a forged one under its key name never counts.
        var text = ConsortiumKeys.CheckpointText(ChangedAt + 1, ConsortiumKeys.Root("A", ChangedAt + 1));
        var genuine = keys.Cosigners[3].Cosign(text, DateTimeOffset.UnixEpoch);
        var forged = genuine with { Signature = [.. genuine.Signature.Take(genuine.Signature.Length - 1), (byte)(genuine.Signature[^1] ^ 1)] };
        collector.Add(new SignedNote(text, [forged, keys.Cosigners[0].Cosign(text, DateTimeOffset.UnixEpoch)]));
        applied = ChangedAt + 1;
        Assert.False(collector.Recheck());
        Assert.Null(collector.CommitPoint);
        collector.Add(new SignedNote(text, [genuine]));
        Assert.Equal(["m0", "m3"], collector.CommitPoint!.Members);
    }

    [Fact]
    public void A_quorum_beyond_the_applied_size_is_told_by_the_set_known_there_but_never_commits()
    {
        // A member that refused a transaction the others applied: it holds 10 leaves, the quorum cosigned 12.
        var unchanged = new ConsortiumMemberSet([keys.Members[0], keys.Members[1], keys.Members[2]], 2);
        var applied = ChangedAt;
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, Known(unchanged, () => applied), () => applied);

        collector.Add(Cosigned(ChangedAt + 2, keys.Cosigners[0]));
        Assert.Null(collector.QuorumBeyondSettled());
        collector.Add(Cosigned(ChangedAt + 1, keys.Cosigners[0], keys.Cosigners[1]));
        collector.Add(Cosigned(ChangedAt + 2, keys.Cosigners[1]));
        // The fourth key is not in the set known at 10, so its signature (kept unverified) does not make a quorum.
        collector.Add(Cosigned(ChangedAt + 3, keys.Cosigners[0], keys.Cosigners[3]));

        var beyond = collector.QuorumBeyondSettled();
        Assert.Equal(ChangedAt + 2, beyond!.Size);
        Assert.Equal(["m0", "m1"], beyond.Members);
        Assert.Null(collector.CommitPoint);
        Assert.False(collector.Recheck());
        Assert.Null(collector.CommitPoint);

        // Once the member's tree reaches a size, that size is judged as a commit point and nothing beyond is told.
        applied = ChangedAt + 2;
        Assert.True(collector.Recheck());
        Assert.Equal(ChangedAt + 2, collector.CommitPoint!.Size);
        Assert.Null(collector.QuorumBeyondSettled());
    }

    /// <summary>What a member knows while it has applied <paramref name="applied"/> leaves: the change at <see cref="ChangedAt"/> only once it applied that leaf.</summary>
    private Func<long, ConsortiumMemberSet> Known(ConsortiumMemberSet after, Func<long> applied)
    {
        var changing = Changing(after);
        return size => applied() > ChangedAt ? changing(size) : changing(ChangedAt);
    }

    [Fact]
    public void A_checkpoint_of_size_zero_is_judged_by_nobody_and_does_not_throw()
    {
        var collector = new CosignatureCollector(ConsortiumKeys.Origin, size => size == 0 ? new ConsortiumMemberSet([], 1) : new ConsortiumMemberSet([.. keys.Members], 2));
        Assert.Equal(2, collector.Add(Cosigned(0, keys.Cosigners[0], keys.Cosigners[1])).IgnoredUnknownKeys);
        Assert.Null(collector.CommitPoint);
    }

    [Fact]
    public void Only_a_key_in_force_at_the_size_is_evidence_of_equivocation()
    {
        var left = new ConsortiumMemberSet([keys.Members[0], keys.Members[1]], 2);
        var detector = new EquivocationDetector(ConsortiumKeys.Origin, Changing(left), _ => null, (_, _, _, _) => true);

        // m2 left at 10: two roots it signs for size 11 accuse nobody; two it signs for size 10 name it.
        foreach (var root in new[] { "A", "B" })
        {
            var text = ConsortiumKeys.CheckpointText(ChangedAt + 1, ConsortiumKeys.Root(root, ChangedAt + 1));
            Assert.Empty(detector.Observe(new SignedNote(text, [keys.Cosigners[2].Cosign(text, DateTimeOffset.UnixEpoch)])));
        }

        var raised = new List<ConsortiumEvidence>();
        foreach (var root in new[] { "A", "B" })
        {
            var text = ConsortiumKeys.CheckpointText(ChangedAt, ConsortiumKeys.Root(root, ChangedAt));
            raised.AddRange(detector.Observe(new SignedNote(text, [keys.Cosigners[2].Cosign(text, DateTimeOffset.UnixEpoch)])));
        }

        Assert.Equal("m2", Assert.IsType<Equivocation>(Assert.Single(raised)).Member);
    }
}
