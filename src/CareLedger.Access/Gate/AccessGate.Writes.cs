using System.Text.Json;
using CareLedger.Access.Audit;
using CareLedger.Access.Callers;
using CareLedger.Access.Consents;
using CareLedger.Access.Records;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Validation;
using CareLedger.Vault;
using CareLedger.Vault.Records;

namespace CareLedger.Access.Gate;

public sealed partial class AccessGate
{
    private const string ConsentType = "Consent";
    private const string NotWritten = "not written: another write of the same request was refused";

    private readonly Lock _newCompartmentsGate = new();
    private readonly List<NewCompartmentRequest> _newCompartments = [];
    private bool _creatingCompartments;

    /// <summary>
    /// Decides writes before anything is staged: all are permitted, or none is written. An update or delete is also
    /// judged on the version it replaces (a delegate cannot relabel a record out of their reach), and must stay in the
    /// record's compartment. Consent writes are checked against the set the patient would hold afterwards. Each write's
    /// decision is audited; permitted writes of a patient without records here create the patient's compartment (and
    /// pseudonym) so that the audit can name them.
    /// </summary>
    /// <exception cref="AccessDeniedException">A write is refused; lists every refused write's reasons, carries the first refusal's audit id.</exception>
    /// <exception cref="ConsentValidationException">A written Consent does not convert or the patient's would-be set does not compile; lists every problem.</exception>
    public void AuthorizeWrites(Accessor who, AccessContext ctx, IReadOnlyList<WriteIntent> writes)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var call = Begin(who, ctx);
        foreach (var write in writes)
        {
            Validate(write);
        }

        // Parsed before any decision, so that a malformed write is bad input whoever sends it.
        var written = writes.Select(NewFactsOf).ToList();
        // Each patient's pseudonym looked up once per call, not once per write (a vault read each): an imported bundle's
        // hundred or so writes are nearly all one patient's.
        var pseudonyms = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var judged = writes.Select((write, i) => Judge(call, write, written[i], pseudonyms)).ToList();
        if (judged.Any(j => !j.Decision.Permitted))
        {
            RefuseWrites(call, judged);
        }

        var invalid = ConsentProblems(judged);
        if (invalid.Problems.Count > 0)
        {
            foreach (var write in judged)
            {
                var problems = invalid.Writes.Contains(write)
                    ? GateDecision.Deny($"the Consent does not validate ({invalid.Problems.Count} problems in the patient's would-be consents)")
                    : GateDecision.Permit(NotWritten);
                Keep(Build(call, write.Write.Action, problems, write.Compartment, write.Write.ResourceType, write.Write.Id, 0, 0, null));
            }

            throw new ConsentValidationException(invalid.Problems);
        }

        foreach (var write in judged)
        {
            var compartment = write.Compartment is { Pseudonym: null, PatientId: { } patientId }
                ? write.Compartment with { Pseudonym = pseudonyms[patientId] ??= NewCompartment(patientId) }
                : write.Compartment;
            Keep(Build(call, write.Write.Action, write.Decision, compartment, write.Write.ResourceType, write.Write.Id, 1, 0, null));
        }
    }

    /// <summary>
    /// The pseudonym of a patient without a compartment yet, creating it. Creations asked for at the same time are
    /// group-committed: the first caller creates every compartment queued meanwhile in one durable vault transaction
    /// (<see cref="Vault.Vault.PseudonymsFor"/>), the others wait for it. One durable transaction each made a new
    /// patient's write wait for the vault's writer lock behind the group being staged, and then hold it for its own
    /// fsync while the group's commit and the next stage waited (an import's files in flight each bring a new patient).
    /// Durability is unchanged: no pseudonym is returned before its compartment is durable.
    /// </summary>
    private byte[] NewCompartment(string patientId)
    {
        var mine = new NewCompartmentRequest(patientId);
        lock (_newCompartmentsGate)
        {
            _newCompartments.Add(mine);
            mine.Leads = !_creatingCompartments;
            _creatingCompartments = true;
        }

        if (!mine.Leads)
        {
            // Woken when a batch created this compartment, or to lead the next batch.
            mine.Done.Wait();
        }

        if (mine.Leads)
        {
            CreateQueuedCompartments();
        }

        mine.Done.Dispose();
        return mine.Pseudonym ?? throw mine.Fault!;
    }

    /// <summary>
    /// The leader's turn: one transaction for everything queued, then the lead passes to the first caller queued meanwhile
    /// (so no caller waits for more than the batch ahead of its own).
    /// </summary>
    private void CreateQueuedCompartments()
    {
        NewCompartmentRequest[] batch;
        lock (_newCompartmentsGate)
        {
            batch = [.. _newCompartments];
            _newCompartments.Clear();
        }

        try
        {
            var created = _vault.PseudonymsFor([.. batch.Select(r => r.PatientId)]);
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i].Pseudonym = created[i];
            }
        }
        catch (Exception e)
        {
            foreach (var request in batch)
            {
                request.Fault = e;
            }
        }
        finally
        {
            lock (_newCompartmentsGate)
            {
                if (_newCompartments.Count == 0)
                {
                    _creatingCompartments = false;
                }
                else
                {
                    _newCompartments[0].Leads = true;
                    _newCompartments[0].Done.Set();
                }
            }

            foreach (var request in batch)
            {
                request.Done.Set();
            }
        }
    }

    private static void Validate(WriteIntent write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (!AccessPolicy.IsWrite(write.Action))
        {
            throw new ArgumentException($"{write.Action} is not a write (create, update or delete).", nameof(write));
        }

        RecordNames.ValidateType(write.ResourceType, nameof(write));
        RecordNames.ValidateId(write.Id, nameof(write));
        if (write.PatientId is not null)
        {
            RecordNames.ValidatePatientId(write.PatientId, nameof(write));
        }

        if (write.Json.IsEmpty != (write.Action == AccessAction.Delete))
        {
            throw new ArgumentException(
                $"{write.ResourceType}/{write.Id}: a delete carries no JSON, a create or update carries the resource.", nameof(write));
        }
    }

    private JudgedWrite Judge(GateCall call, WriteIntent write, RequestedResource? written, Dictionary<string, byte[]?> pseudonyms)
    {
        byte[]? pseudonym = null;
        if (write.PatientId is { } patientId && !pseudonyms.TryGetValue(patientId, out pseudonym))
        {
            pseudonym = _vault.TryGetPseudonym(patientId);
            pseudonyms[patientId] = pseudonym;
        }

        var compartment = new Compartment(pseudonym, write.PatientId);
        if (AccessPolicy.CheckScope(call, write.ResourceType, write.Action) is { } refusal)
        {
            return new JudgedWrite(write, compartment, refusal);
        }

        var stored = write.Action == AccessAction.Create ? null : _records.Read(write.ResourceType, write.Id, null);
        try
        {
            if (stored is not null && !SamePatient(stored.Patient, pseudonym))
            {
                return new JudgedWrite(write, compartment,
                    GateDecision.Deny("the write would move the record to another compartment than the one it is stored in"));
            }

            return new JudgedWrite(write, compartment,
                _policy.Decide(call, write.Action, write.ResourceType, compartment, new RecordFacts(() => FactsOf(write, written, stored))));
        }
        finally
        {
            RecordReader.Forget(stored);
        }
    }

    private static RequestedResource? NewFactsOf(WriteIntent write)
    {
        if (write.Json.IsEmpty)
        {
            return null;
        }

        try
        {
            return ResourceFacts.Of(write.ResourceType, write.Id, write.Json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{write.ResourceType}/{write.Id} is not a JSON resource: {e.Message}", nameof(write), e);
        }
    }

    private static List<RequestedResource> FactsOf(WriteIntent write, RequestedResource? written, OpenedRecord? stored)
    {
        var facts = new List<RequestedResource>(2);
        if (written is not null)
        {
            facts.Add(written);
        }

        if (stored?.Content is { } content)
        {
            facts.Add(ResourceFacts.Of(write.ResourceType, write.Id, content));
        }

        if (facts.Count == 0)
        {
            facts.Add(ResourceFacts.Unknown(write.ResourceType, write.Id));
        }

        return facts;
    }

    private static bool SamePatient(byte[]? stored, byte[]? written) =>
        stored is null ? written is null : written is not null && stored.AsSpan().SequenceEqual(written);

    private void RefuseWrites(GateCall call, List<JudgedWrite> judged)
    {
        Guid? first = null;
        var reasons = new List<string>();
        GateDecision? firstRefusal = null;
        foreach (var write in judged)
        {
            var decision = write.Decision.Permitted ? GateDecision.Permit(NotWritten) : write.Decision;
            var id = Keep(Build(call, write.Write.Action, decision, write.Compartment, write.Write.ResourceType, write.Write.Id, 0, 0, null));
            if (!decision.Permitted)
            {
                first ??= id;
                firstRefusal ??= decision;
                reasons.AddRange(decision.Reasons.Select(r => $"{write.Write.ResourceType}/{write.Write.Id}: {r}"));
            }
        }

        throw new AccessDeniedException(403, $"Access denied: {firstRefusal!.Summary}.", reasons, first!.Value, firstRefusal.RequiredScope);
    }

    private (List<ConsentProblem> Problems, HashSet<JudgedWrite> Writes) ConsentProblems(List<JudgedWrite> judged)
    {
        var problems = new List<ConsentProblem>();
        var invalid = new HashSet<JudgedWrite>();
        foreach (var patient in judged.Where(j => j.Write.ResourceType == ConsentType).GroupBy(j => j.Write.PatientId ?? ""))
        {
            var writes = patient.ToList();
            try
            {
                ConsentWriteCheck.Validate(Consents, writes[0].Compartment.Pseudonym, writes[0].Write.PatientId, [.. writes.Select(w => w.Write)]);
            }
            catch (ConsentValidationException e)
            {
                problems.AddRange(e.Problems);
                invalid.UnionWith(writes);
            }
        }

        return (problems, invalid);
    }

    private sealed record JudgedWrite(WriteIntent Write, Compartment Compartment, GateDecision Decision);

    /// <summary>A caller waiting for a new patient's compartment (<see cref="NewCompartment"/>).</summary>
    private sealed class NewCompartmentRequest(string patientId)
    {
        public string PatientId => patientId;

        public ManualResetEventSlim Done { get; } = new();

        /// <summary>This caller creates the next batch (set under the queue's lock before <see cref="Done"/> is set).</summary>
        public bool Leads { get; set; }

        public byte[]? Pseudonym { get; set; }

        public Exception? Fault { get; set; }
    }
}
