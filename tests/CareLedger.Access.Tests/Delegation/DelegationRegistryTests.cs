using CareLedger.Access.Delegation;
using CareLedger.Access.People;
using CareLedger.Access.Tests.Store;
using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.Delegation;

public sealed class DelegationRegistryTests
{
    private const string ConsentAction = "http://terminology.hl7.org/CodeSystem/consentaction";
    private const string ResourceTypes = "http://hl7.org/fhir/resource-types";

    private static readonly DelegationScope Scope = new()
    {
        Period = new Period(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        Actions = [new Coding(ConsentAction, "access")],
        Classes = [new Coding(ResourceTypes, "Observation"), new Coding(ResourceTypes, "MedicationRequest")],
    };

    [Fact]
    public async Task A_patients_grant_is_anchored_and_signed_by_the_patients_own_key()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var patientKey = await people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None);

        var grant = await registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Caregiver, Scope, DelegationSource.Patient, patientKey);

        var anchor = Assert.Single(registry.AnchorsOf(grant.Id));
        Assert.Equal(DelegationRegistry.GrantEvent, anchor.Event);
        var tx = world.Ledger.ReadTransaction(Assert.NotNull(anchor.LeafIndex)).Transaction;
        Assert.Equal(patientKey.Id, tx.Author);
        var payload = AnchorPayload.Decode(tx.Payload.Span);
        Assert.Equal("delegation", payload.Kind);
        Assert.Equal(grant.Id.ToByteArray(bigEndian: true), payload.Context);
        Assert.Equal(registry.RecomputeCommitment(grant.Id, DelegationRegistry.GrantEvent), payload.Digest);
    }

    [Fact]
    public async Task A_court_order_is_anchored_and_signed_by_the_node_key()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();

        var grant = await registry.GrantAsync(patient, "RelatedPerson/8", DelegateKind.Guardian, Scope, DelegationSource.CourtOrder, world.Ledger.Keys.Node);

        var leaf = Assert.NotNull(Assert.Single(registry.AnchorsOf(grant.Id)).LeafIndex);
        Assert.Equal(world.Ledger.Keys.Node.Id, world.Ledger.ReadTransaction(leaf).Transaction.Author);
        Assert.Equal(DelegationSource.CourtOrder, registry.Find("RelatedPerson/8", patient)?.Source);
    }

    [Fact]
    public async Task The_scope_reads_back_exactly_as_granted_also_after_a_restart()
    {
        await using var world = await RegistryWorld.CreateAsync();
        var patient = RegistryWorld.NewPseudonym();
        var scope = new DelegationScope
        {
            Period = new Period(new DateTimeOffset(2026, 3, 1, 8, 30, 15, TimeSpan.FromHours(-5)).AddTicks(1234567), null),
            Actions = [new Coding(ConsentAction, "access"), new Coding(ConsentAction, "correct")],
            Classes = [],
        };
        Guid id;
        using (var registry = new DelegationRegistry(world.Store, world.Ledger))
        {
            id = (await registry.GrantAsync(patient, "RelatedPerson/9", DelegateKind.Guardian, scope, DelegationSource.CourtOrder, world.Ledger.Keys.Node)).Id;
        }

        await world.RestartAsync();
        using var reopened = new DelegationRegistry(world.Store, world.Ledger);

        var read = Assert.IsType<DelegationGrant>(reopened.Find("RelatedPerson/9", patient));
        Assert.Equal(id, read.Id);
        Assert.Equal(scope.Period, read.Scope.Period);
        Assert.Equal(TimeSpan.FromHours(-5), read.Scope.Period.Start!.Value.Offset);
        Assert.Equal(scope.Period.Start!.Value.Ticks, read.Scope.Period.Start!.Value.Ticks);
        Assert.Null(read.Scope.Period.End);
        Assert.Equal(scope.Actions, read.Scope.Actions);
        Assert.Empty(read.Scope.Classes);
        Assert.Equal(DelegateKind.Guardian, read.Kind);
        Assert.Equal(patient, read.Patient);
        Assert.Null(read.RevokedAt);
    }

    [Fact]
    public async Task Find_returns_the_standing_grant_of_that_delegate_and_patient_only()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();

        var grant = await registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Caregiver, Scope, DelegationSource.CourtOrder, world.Ledger.Keys.Node);

        var found = Assert.IsType<DelegationGrant>(registry.Find("RelatedPerson/7", patient));
        Assert.Equal(grant.Id, found.Id);
        Assert.Equal(grant.RecordedAt, found.RecordedAt);
        Assert.Equal(Scope.Classes, found.Scope.Classes);
        Assert.Null(registry.Find("RelatedPerson/70", patient));
        Assert.Null(registry.Find("RelatedPerson/7", RegistryWorld.NewPseudonym()));
    }

    [Fact]
    public async Task Revocation_is_forward_only_anchored_and_the_grant_stays_listed()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var patientKey = await people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None);
        var grant = await registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Caregiver, Scope, DelegationSource.Patient, patientKey);

        var revoked = await registry.RevokeAsync(grant.Id, patientKey);

        Assert.NotNull(revoked.RevokedAt);
        Assert.Null(registry.Find("RelatedPerson/7", patient));
        var listed = Assert.Single(registry.ForPatient(patient));
        Assert.Equal(grant.Id, listed.Id);
        Assert.Equal(revoked.RevokedAt, listed.RevokedAt);
        Assert.Equal(grant.Scope.Period, listed.Scope.Period);
        var anchors = registry.AnchorsOf(grant.Id);
        Assert.Equal([DelegationRegistry.GrantEvent, DelegationRegistry.RevokeEvent], anchors.Select(a => a.Event));
        var revocationTx = world.Ledger.ReadTransaction(Assert.NotNull(anchors[1].LeafIndex)).Transaction;
        Assert.Equal(patientKey.Id, revocationTx.Author);
        Assert.Equal(registry.RecomputeCommitment(grant.Id, DelegationRegistry.RevokeEvent), AnchorPayload.Decode(revocationTx.Payload.Span).Digest);

        var again = await Assert.ThrowsAsync<InvalidOperationException>(() => registry.RevokeAsync(grant.Id, patientKey));
        Assert.Contains("already revoked", again.Message, StringComparison.Ordinal);
        Assert.Equal(2, registry.AnchorsOf(grant.Id).Count);
    }

    [Fact]
    public async Task After_a_revocation_the_patient_may_grant_the_same_delegate_again()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var node = world.Ledger.Keys.Node;
        var first = await registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Guardian, Scope, DelegationSource.CourtOrder, node);

        var duplicate = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Guardian, Scope, DelegationSource.CourtOrder, node));
        Assert.Contains(first.Id.ToString(), duplicate.Message, StringComparison.Ordinal);
        await registry.RevokeAsync(first.Id, node);
        var second = await registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Guardian, Scope, DelegationSource.CourtOrder, node);

        Assert.Equal(second.Id, registry.Find("RelatedPerson/7", patient)?.Id);
        Assert.Equal([first.Id, second.Id], registry.ForPatient(patient).Select(g => g.Id));
    }

    [Fact]
    public async Task A_signer_that_cannot_speak_for_the_source_is_refused_and_nothing_is_recorded()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var otherPatientKey = await people.GetOrRegisterAsync("acct-other", KeyRoles.Patient, RegistryWorld.NewPseudonym(), world.Ledger, CancellationToken.None);
        var delegateKey = await people.GetOrRegisterAsync("acct-delegate", KeyRoles.Delegate, patient, world.Ledger, CancellationToken.None);
        var patientKey = await people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None);
        using var unregistered = AuthorKey.Generate();
        var sizeBefore = world.Ledger.Size;

        foreach (var (source, signer) in new[]
                 {
                     (DelegationSource.Patient, otherPatientKey), (DelegationSource.Patient, delegateKey), (DelegationSource.Patient, unregistered),
                     (DelegationSource.Patient, world.Ledger.Keys.Node), (DelegationSource.CourtOrder, patientKey),
                 })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Caregiver, Scope, source, signer));
        }

        var grant = await registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Caregiver, Scope, DelegationSource.Patient, patientKey);
        await Assert.ThrowsAsync<ArgumentException>(() => registry.RevokeAsync(grant.Id, world.Ledger.Keys.Node));
        Assert.Null(registry.Get(grant.Id)?.RevokedAt);
        Assert.Equal(sizeBefore + 1, world.Ledger.Size);
        Assert.Single(registry.ForPatient(patient));
    }

    [Fact]
    public async Task Bad_grants_are_refused_with_the_reason_and_change_nothing()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var node = world.Ledger.Keys.Node;
        var emptyPeriod = Scope with { Period = new Period(Scope.Period.End, Scope.Period.Start) };
        var incompleteCoding = Scope with { Actions = [new Coding(ConsentAction, "")] };

        await Assert.ThrowsAsync<ArgumentException>(() => registry.GrantAsync(patient, "Jane Doe", DelegateKind.Guardian, Scope, DelegationSource.CourtOrder, node));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.GrantAsync(patient, "RelatedPerson/", DelegateKind.Guardian, Scope, DelegationSource.CourtOrder, node));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Unspecified, Scope, DelegationSource.CourtOrder, node));
        var period = await Assert.ThrowsAsync<ArgumentException>(() => registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Guardian, emptyPeriod, DelegationSource.CourtOrder, node));
        Assert.Contains("period", period.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Guardian, incompleteCoding, DelegationSource.CourtOrder, node));
        await Assert.ThrowsAsync<ArgumentException>(() => registry.GrantAsync(new byte[3], "RelatedPerson/7", DelegateKind.Guardian, Scope, DelegationSource.CourtOrder, node));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => registry.RevokeAsync(Guid.NewGuid(), node));

        Assert.Empty(registry.ForPatient(patient));
    }

    [Fact]
    public async Task A_revoked_patient_key_can_no_longer_sign_for_the_patient()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var people = new PersonKeys(world.DataDirectory);
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        var patientKey = await people.GetOrRegisterAsync("acct-patient", KeyRoles.Patient, patient, world.Ledger, CancellationToken.None);
        var grant = await registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Caregiver, Scope, DelegationSource.Patient, patientKey);
        await LedgerKeys.RevokeAsync(world.Ledger, patientKey.Id);

        await Assert.ThrowsAsync<ArgumentException>(() => registry.RevokeAsync(grant.Id, patientKey));

        Assert.Null(registry.Get(grant.Id)?.RevokedAt);
        Assert.Single(registry.AnchorsOf(grant.Id));
    }

    [Fact]
    public async Task A_grant_whose_anchor_the_ledger_refuses_is_not_recorded()
    {
        await using var world = await RegistryWorld.CreateAsync();
        using var registry = new DelegationRegistry(world.Store, world.Ledger);
        var patient = RegistryWorld.NewPseudonym();
        await LedgerKeys.RevokeAsync(world.Ledger, world.Ledger.Keys.Node.Id);

        var refusal = await Assert.ThrowsAsync<TransactionRejectedException>(() =>
            registry.GrantAsync(patient, "RelatedPerson/7", DelegateKind.Guardian, Scope, DelegationSource.CourtOrder, world.Ledger.Keys.Node));

        Assert.Equal("revoked-author", refusal.Code);
        Assert.Empty(registry.ForPatient(patient));
        Assert.Null(registry.Find("RelatedPerson/7", patient));
        Assert.Equal(0, await world.Store.AnchorPendingAsync(world.Ledger, CancellationToken.None));
    }
}
