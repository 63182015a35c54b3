using CareLedger.Access.Credentials;
using CareLedger.Access.Gate;
using CareLedger.AccessApi;
using CareLedger.Fhir.Errors;
using CareLedger.Ledger.Transactions;
using CareLedger.Fhir;
using CareLedger.Fhir.Validation;
using CareLedger.Node;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Locator;

/// <summary>What one holder answered (records or a refusal), as this member received and audited it.</summary>
internal sealed record HolderAnswer(LocatedHolder Holder, MemberAnswer Answer)
{
    public bool Received => Answer.Refusal is null;

    /// <summary>How the timeline and the refusals name the holder: member and organisation.</summary>
    public string Name => $"{Holder.Member} ({Holder.Organisation})";
}

/// <summary>What the other members answered a request for a patient's records (ADR 0009 for a clinician, ADR 0010 for the patient).</summary>
/// <param name="Answers">One per member the locator names, in member order (none when no other member holds records).</param>
/// <param name="NotAsked">Why no member was asked (no locator here, no network identifier on the record); null when asked.</param>
internal sealed record RemoteFetch(IReadOnlyList<HolderAnswer> Answers, string? NotAsked);

/// <summary>
/// Asks the members the record locator names for a patient's records and audits, at this member, what each disclosed or
/// why it refused (ADR 0009 for a clinician, ADR 0010 for the patient themself). Holders are asked side by side, each
/// within a time limit (the HTTP client's 30 s for the API; <see cref="PageTimeout"/> for a portal page), so one member
/// that is down delays the answer by at most that.
/// </summary>
internal sealed class RemoteRecords(CareLedgerNode node, MemberLinks links)
{
    /// <summary>How long a portal page waits for one member before it says that member could not be reached.</summary>
    public static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(15);

    public CareLedgerNode Node => node;

    public MemberLinks Links => links;

    /// <summary>
    /// The signed-in patient's own records at other members: this node reads the patient's own record through the door
    /// (as the patient), names them by the locator pseudonym of its network identifier, and asks each holder under the
    /// patient's own authority (a <see cref="PatientAssertion"/>, purpose PATRQT). The patient never names the patient:
    /// the identifier comes from their own record here, so no one can ask for someone else's records this way.
    /// </summary>
    /// <param name="holderTimeout">How long to wait for each member; null: the HTTP client's limit.</param>
    public async Task<RemoteFetch> ForPatientAsync(FhirCaller patient, TimeSpan? holderTimeout, CancellationToken ct)
    {
        var own = OwnPatientId(patient);
        if (node.Locator is not { } locator)
        {
            return new RemoteFetch([], "this node takes no part in the record locator");
        }

        var identifiers = NetworkIdentifiers(patient, own);
        if (identifiers.Count == 0)
        {
            return new RemoteFetch([], $"your record here carries no identifier of the network ({locator.Key.IdentifierSystem}), so records at other members cannot be found");
        }

        var caller = AsPatientRequest(patient);
        var session = caller.Context.RequestId ?? Guid.NewGuid().ToString("N");
        var member = locator.MemberName ?? throw new InvalidOperationException("this node is not a consortium member");
        // Each holder is asked under the pseudonym it announced (the current locator key's, or a retired one's mid-rotation).
        var answers = await AskAsync(caller, own, locator.LocateIdentifier(identifiers[0]), (holder, token) =>
        {
            var now = DateTimeOffset.UtcNow;
            var assertion = new PatientAssertion(member, holder.FhirBase.AbsoluteUri.TrimEnd('/'), caller.Who.Subject, session, holder.Locator,
                now, now + PatientAssertion.MaxLifetime, Guid.NewGuid().ToString("N"));
            return links.FetchAsync(holder, assertion, token);
        }, holderTimeout, ct);
        return new RemoteFetch(answers, null);
    }

    /// <summary>
    /// A patient's records at other members for a clinician of this member (ADR 0009): the holders the locator names for
    /// the patient's network identifier are asked with a <see cref="ClinicianAssertion"/> (the clinician, their practitioner
    /// credential, the purpose) and each decides under the patient's consent there. Emergency access here opens nothing
    /// elsewhere: the assertion carries the purpose of the request (TREAT unless the caller names one), never break-glass.
    /// </summary>
    /// <param name="identifierValue">The patient's identifier of the network's system (the caller checked the system).</param>
    /// <param name="holderTimeout">How long to wait for each member; null: the HTTP client's limit.</param>
    /// <exception cref="FhirProblemException">403 (audited here) when this member holds no valid credential of the clinician to present.</exception>
    public async Task<RemoteFetch> ForClinicianAsync(FhirCaller clinician, string identifierValue, TimeSpan? holderTimeout, CancellationToken ct)
    {
        if (node.Locator is not { } locator)
        {
            return new RemoteFetch([], "this node takes no part in the record locator");
        }

        if (clinician.Who.Role != CareLedgerRole.Clinician || clinician.Who.Reference is not { } practitioner
            || !practitioner.StartsWith("Practitioner/", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("only a clinician (a Practitioner) asks for a patient's records at other members");
        }

        var localPatient = locator.LocalPatient(locator.PseudonymOf(identifierValue));
        var holders = locator.LocateIdentifier(identifierValue);
        if (holders.Count == 0)
        {
            return new RemoteFetch([], null);
        }

        var caller = clinician with { Context = clinician.Context with { BreakGlass = null } };
        var now = DateTimeOffset.UtcNow;
        var credential = node.Credentials.ForPractitioner(practitioner)
            .FirstOrDefault(c => c.Status is not CredentialStatusKind.Revoked && c.ValidFrom <= now && c.ValidUntil > now);
        if (credential is null)
        {
            const string NoCredential = "this member holds no valid practitioner credential of the clinician to present to other members";
            node.Gate.AuditReceipt(caller.Who, caller.Context, localPatient, false, 0, [NoCredential], "records from other members");
            throw AccessProblems.Forbidden(NoCredential);
        }

        var purpose = caller.Context.Purpose ?? PurposeDefaults.For(CareLedgerRole.Clinician, breakGlass: false);
        var member = locator.MemberName ?? throw new InvalidOperationException("this node is not a consortium member");
        var answers = await AskAsync(caller with { Context = caller.Context with { Purpose = purpose } }, localPatient, holders, (holder, token) =>
        {
            var assertion = new ClinicianAssertion(member, holder.FhirBase.AbsoluteUri.TrimEnd('/'), caller.Who.Subject, practitioner, credential.Jwt,
                purpose, holder.Locator, now, now + ClinicianAssertion.MaxLifetime, Guid.NewGuid().ToString("N"));
            return links.FetchAsync(holder, assertion, token);
        }, holderTimeout, ct);
        return new RemoteFetch(answers, null);
    }

    /// <summary>The first value of the network's identifier system among <paramref name="identifiers"/>, trimmed; null if none.</summary>
    public string? NetworkIdentifier(IEnumerable<Identifier> identifiers) =>
        node.Locator is { } locator
            ? identifiers.FirstOrDefault(i => i.System == locator.Key.IdentifierSystem && !string.IsNullOrWhiteSpace(i.Value))?.Value?.Trim()
            : null;

    /// <summary>The values of the network's identifier system on the patient's own record here, read through the door as the patient.</summary>
    public IReadOnlyList<string> NetworkIdentifiers(FhirCaller patient, string ownPatientId)
    {
        if (node.Locator is not { } locator)
        {
            return [];
        }

        var (json, _) = node.Fhir.Read(patient, "Patient", ownPatientId);
        var record = (Patient)FhirSerialization.ParseJson(json);
        return [.. record.Identifier
            .Where(i => i.System == locator.Key.IdentifierSystem && !string.IsNullOrWhiteSpace(i.Value))
            .Select(i => i.Value!.Trim())];
    }

    /// <summary>The patient a patient-role caller is.</summary>
    public static string OwnPatientId(FhirCaller patient) =>
        patient.Who.Role == CareLedgerRole.Patient && patient.Who.PatientId is { } id
            ? id
            : throw new InvalidOperationException("only a patient asks for their own records at other members");

    /// <summary>The patient's caller with the purpose the holders decide under: the patient's own request.</summary>
    public static FhirCaller AsPatientRequest(FhirCaller patient) =>
        patient with { Context = patient.Context with { Purpose = PurposeDefaults.PatientRequested } };

    /// <summary>Asks each holder (side by side) and audits each answer in this node's trail for <paramref name="caller"/>.</summary>
    public async Task<IReadOnlyList<HolderAnswer>> AskAsync(FhirCaller caller, string? localPatient, IReadOnlyList<LocatedHolder> holders,
        Func<LocatedHolder, CancellationToken, Task<MemberAnswer>> ask, TimeSpan? holderTimeout, CancellationToken ct)
    {
        var answers = await Task.WhenAll(holders.Select(async holder =>
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (holderTimeout is { } limit)
            {
                timeout.CancelAfter(limit);
            }

            MemberAnswer answer;
            try
            {
                answer = await ask(holder, timeout.Token);
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException
                                          or OperationCanceledException && !ct.IsCancellationRequested)
            {
                var why = e is OperationCanceledException ? "no answer in time" : $"{e.GetType().Name}: {e.Message}";
                answer = new MemberAnswer(StatusCodes.Status502BadGateway, [], $"member {holder.Member} could not be asked ({why})");
            }

            return new HolderAnswer(holder, answer);
        }));

        foreach (var (holder, answer) in answers)
        {
            var received = answer.Refusal is null;
            node.Gate.AuditReceipt(caller.Who, caller.Context, localPatient, received, answer.Records.Count,
                [received ? $"member {holder.Member} disclosed {answer.Records.Count} records" : $"member {holder.Member} refused: {answer.Refusal}"],
                $"records received from member {holder.Member}");
        }

        return answers;
    }
}
