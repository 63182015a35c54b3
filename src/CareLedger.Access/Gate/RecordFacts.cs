using CareLedger.Consent.Requests;
using CareLedger.Vault;

namespace CareLedger.Access.Gate;

/// <summary>
/// Where a decision gets the facts of the record(s) it judges, read only if consent is consulted: one stored record
/// (a read), or a function (a write judges the stored and the new version). A value, so that a read does not make a
/// closure and a delegate on every call, most of which (the custodian's system, a kept consent decision) never read
/// the facts at all.
/// </summary>
internal readonly struct RecordFacts
{
    private readonly OpenedRecord? _record;
    private readonly Func<IReadOnlyList<RequestedResource>>? _make;

    public RecordFacts(OpenedRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _record = record;
    }

    public RecordFacts(Func<IReadOnlyList<RequestedResource>> make)
    {
        ArgumentNullException.ThrowIfNull(make);
        _make = make;
    }

    public IReadOnlyList<RequestedResource> Get() =>
        _record is { } record ? [AccessGate.FactsOf(record)]
        : _make is { } make ? make()
        : throw new InvalidOperationException("no record to decide on");
}
