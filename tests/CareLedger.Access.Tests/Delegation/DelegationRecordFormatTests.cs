using CareLedger.Access.Delegation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;

namespace CareLedger.Access.Tests.Delegation;

public sealed class DelegationRecordFormatTests
{
    private static readonly DelegationGrant Grant = new(
        Guid.CreateVersion7(),
        "RelatedPerson/7",
        Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(),
        DelegateKind.Caregiver,
        new DelegationScope
        {
            Period = new Period(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.FromMinutes(330)).AddTicks(7), new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero)),
            Actions = [new Coding("http://terminology.hl7.org/CodeSystem/consentaction", "access")],
            Classes = [new Coding("http://hl7.org/fhir/resource-types", "Observation")],
        },
        DelegationSource.Patient,
        DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_123));

    [Fact]
    public void A_grant_record_round_trips_field_by_field()
    {
        var decoded = DelegationRecordFormat.DecodeGrant(DelegationRecordFormat.EncodeGrant(Grant));

        Assert.Equal(Grant.Id, decoded.Id);
        Assert.Equal(Grant.DelegateReference, decoded.DelegateReference);
        Assert.Equal(Grant.Patient, decoded.Patient);
        Assert.Equal(Grant.Kind, decoded.Kind);
        Assert.Equal(Grant.Source, decoded.Source);
        Assert.Equal(Grant.RecordedAt, decoded.RecordedAt);
        Assert.Equal(Grant.Scope.Period, decoded.Scope.Period);
        Assert.Equal(Grant.Scope.Period.Start!.Value.Offset, decoded.Scope.Period.Start!.Value.Offset);
        Assert.Equal(Grant.Scope.Period.Start!.Value.Ticks, decoded.Scope.Period.Start!.Value.Ticks);
        Assert.Equal(Grant.Scope.Actions, decoded.Scope.Actions);
        Assert.Equal(Grant.Scope.Classes, decoded.Scope.Classes);
    }

    [Fact]
    public void The_same_grant_always_encodes_to_the_same_bytes()
    {
        var copy = Grant with { Patient = [.. Grant.Patient], Scope = Grant.Scope with { Actions = [.. Grant.Scope.Actions] } };

        Assert.Equal(DelegationRecordFormat.EncodeGrant(Grant), DelegationRecordFormat.EncodeGrant(copy));
        Assert.NotEqual(DelegationRecordFormat.EncodeGrant(Grant), DelegationRecordFormat.EncodeGrant(Grant with { Kind = DelegateKind.Guardian }));
    }

    [Fact]
    public void Bytes_that_are_not_a_grant_record_are_refused()
    {
        var revocation = DelegationRecordFormat.EncodeRevocation(Grant.Id, DateTimeOffset.UnixEpoch);
        byte[] trailing = [.. DelegationRecordFormat.EncodeGrant(Grant), 0x00];

        Assert.Throws<InvalidDataException>(() => DelegationRecordFormat.DecodeGrant(revocation));
        Assert.Throws<InvalidDataException>(() => DelegationRecordFormat.DecodeGrant(trailing));
        Assert.Throws<InvalidDataException>(() => DelegationRecordFormat.DecodeGrant([0xFF]));
    }
}
