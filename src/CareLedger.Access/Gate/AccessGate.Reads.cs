using CareLedger.Access.Audit;
using CareLedger.Access.BreakGlass;
using CareLedger.Access.Callers;
using CareLedger.Access.Consents;
using CareLedger.Access.People;
using CareLedger.Access.Records;
using CareLedger.Consent.Requests;
using CareLedger.Vault;
using CareLedger.Vault.Records;

namespace CareLedger.Access.Gate;

public sealed partial class AccessGate
{
    private const int MaxAuditedReasons = 16;

    /// <summary>The current version of a record; null if there is none or it is deleted (audited either way).</summary>
    /// <exception cref="AccessDeniedException">Refused by scope, role, credential, delegation or consent; nothing was disclosed.</exception>
    public DisclosedRecord? Read(Accessor who, AccessContext ctx, string type, string id) => ReadOne(who, ctx, type, id, null);

    /// <summary>One version of a record (vread); null if there is no such version or it is a delete.</summary>
    /// <exception cref="AccessDeniedException">Refused; nothing was disclosed.</exception>
    public DisclosedRecord? ReadVersion(Accessor who, AccessContext ctx, RecordAddress address)
    {
        RecordNames.Validate(address, nameof(address));
        return ReadOne(who, ctx, address.ResourceType, address.Id, address.Version);
    }

    /// <summary>
    /// Many records at once — a search page with its includes, a history, an export chunk (<see cref="RecordAddress.Version"/>
    /// 0 means the current version). Each record is decided on its own facts; refused ones are withheld and counted,
    /// never disclosed and never an error. One audit record per patient per call (and one for records outside any
    /// patient compartment, or one in all when nothing matched). A deleted version asked for by number (history) is
    /// disclosed with empty JSON; a record deleted or gone since it was found is left out.
    /// </summary>
    /// <param name="detail">A fixed description for the audit, e.g. "search Observation"; never a search value.</param>
    public Disclosure ReadMany(Accessor who, AccessContext ctx, AccessAction action, IReadOnlyList<RecordAddress> records, string detail)
    {
        ArgumentNullException.ThrowIfNull(records);
        var call = Begin(who, ctx);
        if (AccessPolicy.IsWrite(action))
        {
            throw new ArgumentException($"{action} is a write; ReadMany discloses records (read, search, history, export, use, disclose).", nameof(action));
        }

        foreach (var address in records)
        {
            ValidateNames(address.ResourceType, address.Id, nameof(records), nameof(records));
            ArgumentOutOfRangeException.ThrowIfNegative(address.Version, nameof(records));
        }

        var groups = new Dictionary<string, PatientTally>(StringComparer.Ordinal);
        var disclosed = new List<DisclosedRecord>();
        try
        {
            foreach (var address in records)
            {
                var record = ReadFound(address);
                if (record is null || (record.Deleted && address.Version == 0))
                {
                    continue;
                }

                var tally = TallyOf(groups, record.Patient, call.Now);
                tally.AddType(address.ResourceType);
                GateDecision decision;
                try
                {
                    decision = AccessPolicy.CheckScope(call, address.ResourceType, action)
                        ?? _policy.Decide(call, action, address.ResourceType, new Compartment(record.Patient, null), new RecordFacts(record), record.Address);
                }
                catch
                {
                    RecordReader.Forget(record);
                    throw;
                }

                tally.Add(decision);
                if (decision.Permitted)
                {
                    disclosed.Add(new DisclosedRecord(record.Address, record.Content ?? [], record.LastUpdated, tally.AuditId));
                }
                else
                {
                    RecordReader.Forget(record);
                }
            }

            if (groups.Count == 0)
            {
                Keep(Build(call, action, AuditOutcome.Permit, null, null, null, 0, 0, false, ["no records matched"], detail));
            }

            // Every emergency opening first: if one is refused, nothing of the call is disclosed, and no permit is kept.
            foreach (var tally in groups.Values)
            {
                if (tally.BreakGlass && OpenBreakGlass(call, tally.Patient!, tally.AuditId) is { } refused)
                {
                    throw Refuse(Keep(Build(call, action, AuditOutcome.Deny, tally.Patient, null, null, 0, tally.Disclosed + tally.Withheld, false,
                        refused.Reasons, detail)), refused);
                }
            }

            foreach (var tally in groups.Values)
            {
                Keep(tally.ToAudit(call, action, detail));
            }
        }
        catch
        {
            foreach (var record in disclosed)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(record.Json);
            }

            throw;
        }

        return new Disclosure(disclosed, groups.Values.Sum(t => t.Withheld)) { AuditIds = [.. groups.Values.Select(t => t.AuditId)] };
    }

    // A record found by a search may be erased with its patient before it is read: then it is simply not there.
    private OpenedRecord? ReadFound(RecordAddress address)
    {
        try
        {
            return _records.Read(address.ResourceType, address.Id, address.Version == 0 ? null : address.Version);
        }
        catch (RecordErasedException)
        {
            return null;
        }
    }

    private DisclosedRecord? ReadOne(Accessor who, AccessContext ctx, string type, string id, int? version)
    {
        var call = Begin(who, ctx);
        ValidateNames(type, id, nameof(type), nameof(id));
        if (AccessPolicy.CheckScope(call, type, AccessAction.Read) is { } refusal)
        {
            throw Refuse(Keep(Build(call, AccessAction.Read, refusal, Compartment.Organisation, type, id, 0, 0, null)), refusal);
        }

        var record = _records.Read(type, id, version);
        if (record is null)
        {
            Keep(Build(call, AccessAction.Read, GateDecision.Permit("no such record"), Compartment.Organisation, type, id, 0, 0, null));
            return null;
        }

        try
        {
            var compartment = new Compartment(record.Patient, null);
            var decision = _policy.Decide(call, AccessAction.Read, type, compartment, new RecordFacts(record), record.Address);
            if (!decision.Permitted)
            {
                throw Refuse(Keep(Build(call, AccessAction.Read, decision, compartment, type, id, 0, 0, null)), decision);
            }

            if (record.Deleted)
            {
                Keep(Build(call, AccessAction.Read, decision with { Reasons = [.. decision.Reasons, "the record is deleted"] },
                    compartment, type, id, 0, 0, null));
                return null;
            }

            var audit = Build(call, AccessAction.Read, decision, compartment, type, id, 1, 0, null);
            if (decision.BreakGlass && OpenBreakGlass(call, record.Patient!, audit.Id) is { } refused)
            {
                throw Refuse(Keep(Build(call, AccessAction.Read, refused, compartment, type, id, 0, 0, null)), refused);
            }

            var disclosed = new DisclosedRecord(record.Address, record.Content!, record.LastUpdated, Keep(audit));
            record = null;
            return disclosed;
        }
        finally
        {
            RecordReader.Forget(record);
        }
    }

    /// <summary>
    /// The vault's rules for a type and an id (<see cref="RecordNames"/>), asked on every read and for every record of a
    /// page: a loop over the characters passes a name that keeps them, and only a name it does not pass goes to
    /// <see cref="RecordNames"/>, which refuses it naming the rule (its LINQ over the string boxed an enumerator per name).
    /// </summary>
    private static void ValidateNames(string? type, string? id, string typeParameter, string idParameter)
    {
        if (!IsPlainType(type))
        {
            RecordNames.ValidateType(type, typeParameter);
        }

        if (!IsPlainId(id))
        {
            RecordNames.ValidateId(id, idParameter);
        }
    }

    // An upper-case ASCII letter, then ASCII letters; 1 to RecordNames.MaxLength of them.
    internal static bool IsPlainType(string? type)
    {
        if (type is null || type.Length is 0 or > RecordNames.MaxLength || !char.IsAsciiLetterUpper(type[0]))
        {
            return false;
        }

        foreach (var c in type)
        {
            if (!char.IsAsciiLetter(c))
            {
                return false;
            }
        }

        return true;
    }

    // 1 to RecordNames.MaxLength of A-Z a-z 0-9 '-' '.'.
    internal static bool IsPlainId(string? id)
    {
        if (id is null || id.Length is 0 or > RecordNames.MaxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    internal static RequestedResource FactsOf(OpenedRecord record) =>
        record.Content is { } content
            ? ResourceFacts.Of(record.Address.ResourceType, record.Address.Id, content)
            : ResourceFacts.Unknown(record.Address.ResourceType, record.Address.Id);

    /// <summary>
    /// Records the emergency opening (and its notifications) before anything is disclosed under it. Null when it is
    /// recorded; the refusal when the clinician's own ledger key, which signs the opening, is revoked — a decision about
    /// the caller, answered 403 like the others, not a failure of the node.
    /// </summary>
    private GateDecision? OpenBreakGlass(GateCall call, byte[] patient, Guid auditId)
    {
        try
        {
            _breakGlass.Open(call.Who, patient, call.Context.BreakGlass!, auditId, call.Now);
            return null;
        }
        catch (PersonKeyRevokedException e)
        {
            return GateDecision.Deny($"break-glass is signed with the clinician's own ledger key, and key {e.Key} was revoked at leaf {e.RevokedLeaf}");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "The break-glass opening could not be recorded (nor the patient and privacy officer notified), so nothing was disclosed.", e);
        }
    }

    private static PatientTally TallyOf(Dictionary<string, PatientTally> groups, byte[]? patient, DateTimeOffset now)
    {
        var key = patient is null ? "" : ConsentRegistry.PatientIdOf(patient).Value;
        if (!groups.TryGetValue(key, out var tally))
        {
            tally = new PatientTally(patient, AuditIds.New(now));
            groups[key] = tally;
        }

        return tally;
    }

    /// <summary>What one many-record call disclosed and withheld of one patient, and why (each distinct reason once).</summary>
    private sealed class PatientTally(byte[]? patient, Guid auditId)
    {
        private readonly List<string> _reasons = [];
        private readonly HashSet<string> _types = new(StringComparer.Ordinal);
        private int _unlisted;

        public byte[]? Patient { get; } = patient;

        public Guid AuditId { get; } = auditId;

        public int Disclosed { get; private set; }

        public int Withheld { get; private set; }

        public bool BreakGlass { get; private set; }

        public void Add(GateDecision decision)
        {
            if (decision.Permitted)
            {
                Disclosed++;
                BreakGlass |= decision.BreakGlass;
            }
            else
            {
                Withheld++;
            }

            var reason = (decision.Permitted ? "disclosed: " : "withheld: ") + decision.Summary;
            if (_reasons.Contains(reason))
            {
                return;
            }

            if (_reasons.Count < MaxAuditedReasons)
            {
                _reasons.Add(reason);
            }
            else
            {
                _unlisted++;
            }
        }

        public void AddType(string type) => _types.Add(type);

        public AuditRecord ToAudit(GateCall call, AccessAction action, string detail)
        {
            var reasons = _unlisted == 0 ? _reasons : [.. _reasons, $"and {_unlisted} more distinct reasons"];
            var outcome = Disclosed > 0 || Withheld == 0 ? AuditOutcome.Permit : AuditOutcome.Deny;
            var record = Build(call, action, outcome, Patient, _types.Count == 1 ? _types.First() : null, null, Disclosed, Withheld,
                BreakGlass, reasons, detail);
            return record with { Id = AuditId };
        }
    }
}
