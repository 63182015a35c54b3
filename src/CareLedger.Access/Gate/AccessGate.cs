using CareLedger.Access.Audit;
using CareLedger.Access.BreakGlass;
using CareLedger.Access.Callers;
using CareLedger.Access.Consents;
using CareLedger.Access.Credentials;
using CareLedger.Access.Delegation;
using CareLedger.Access.Records;
using CareLedger.Consent.Evaluation;
using CareLedger.Vault.Records;
using ModelCoding = CareLedger.Consent.Model.Coding;

namespace CareLedger.Access.Gate;

/// <summary>
/// The one door to patient data (docs/adr/0004-access-layer.md). Every read, search page, history, export chunk and
/// write is decided here — scope, then role, credential, delegation and consent, with break-glass — and every
/// decision, permit or deny, is recorded in the audit trail before any byte is returned. A refusal throws
/// <see cref="AccessDeniedException"/> carrying the audit id; if the audit trail cannot record a decision, the door
/// refuses (fail closed) with <see cref="InvalidOperationException"/>. Thread-safe.
/// </summary>
public sealed partial class AccessGate
{
    private readonly Vault.Vault _vault;
    private readonly AccessGateOptions _options;
    private readonly IAuditTrail _audit;
    private readonly IBreakGlassGrants _breakGlass;
    private readonly TimeProvider _time;
    private readonly RecordReader _records;
    private readonly AccessPolicy _policy;
    private readonly DecisionCache? _decisions;

    public AccessGate(
        Vault.Vault vault,
        AccessGateOptions options,
        IAuditTrail audit,
        ICredentialStatus credentials,
        IBreakGlassGrants breakGlass,
        IDelegations delegations,
        TimeProvider? time)
    {
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(breakGlass);
        ArgumentNullException.ThrowIfNull(delegations);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Organisation, nameof(options));
        if (options.OrganizationReference is { } reference && !LiteralReference.IsValid(reference))
        {
            throw new ArgumentException($"The organisation reference '{reference}' is not a relative reference Type/id.", nameof(options));
        }

        _vault = vault;
        _options = options;
        _audit = audit;
        _breakGlass = breakGlass;
        _time = time ?? TimeProvider.System;
        _records = new RecordReader(vault);
        Consents = new ConsentRegistry(_records, vault.TryGetPseudonym, options.PatientCacheCapacity);
        var pseudonyms = new PatientPseudonyms(vault.TryGetPseudonym, options.PatientCacheCapacity);
        _decisions = options.DecisionCacheCapacity > 0 ? new DecisionCache(options.DecisionCacheCapacity) : null;
        _policy = new AccessPolicy(pseudonyms, _records, Consents, new ConsentEngine(options.Profile), credentials, delegations, options, _decisions);
    }

    /// <summary>Consent decisions answered from the decision cache so far (0 when it is off); see <see cref="DecisionCache"/>.</summary>
    public long KeptDecisionsUsed => _decisions?.Hits ?? 0;

    /// <summary>The patients' compiled consents, as the door decides with them.</summary>
    public ConsentRegistry Consents { get; }

    /// <summary>The patient's vault pseudonym (as audit records and delegations name the patient); null if they have no records here.</summary>
    public byte[]? PseudonymOf(string patientId) => _vault.TryGetPseudonym(patientId);

    /// <summary>Call once a Consent of the patient was written (committed): the next request decides with the new set.</summary>
    public void AfterConsentWrite(string patientId)
    {
        if (_vault.TryGetPseudonym(patientId) is { } pseudonym)
        {
            Consents.Invalidate(pseudonym);
        }
    }

    /// <summary>
    /// The type-level check before a search, type history or export of <paramref name="resourceType"/>: refuses
    /// (audited, naming the required scope) when the caller's scopes do not cover it. A permit is not audited here: the
    /// <see cref="ReadMany"/> that follows records what was disclosed.
    /// </summary>
    /// <exception cref="AccessDeniedException">The scopes do not cover the action on the type.</exception>
    public void RequireScope(Accessor who, AccessContext ctx, AccessAction action, string resourceType, string detail)
    {
        var call = Begin(who, ctx);
        RecordNames.ValidateType(resourceType, nameof(resourceType));
        if (AccessPolicy.CheckScope(call, resourceType, action) is { } refusal)
        {
            var audit = Build(call, action, refusal, Compartment.Organisation, resourceType, null, 0, 0, detail);
            throw Refuse(Keep(audit), refusal);
        }
    }

    /// <summary>
    /// Audits a refusal that a feature built on the door decided before asking it for records — e.g. a treatment model
    /// asked for by a caller who cannot have a treatment relationship — so that it is in the patient's access log like
    /// the door's own refusals. Nothing is read. Returns the audit record's id.
    /// </summary>
    /// <param name="patientId">The patient concerned; the record names them (by pseudonym) only if they have records here.</param>
    /// <param name="detail">A fixed description for the audit, e.g. "AI inference"; never clinical content.</param>
    public Guid AuditRefusal(Accessor who, AccessContext ctx, AccessAction action, string patientId, IReadOnlyList<string> reasons, string detail)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        var call = Begin(who, ctx);
        var patient = _vault.TryGetPseudonym(patientId);
        return Keep(Build(call, action, AuditOutcome.Deny, patient, null, null, 0, 0, false, [.. reasons], detail));
    }

    /// <summary>
    /// Audits what this member received from another member's door for <paramref name="who"/> (F3, ADR 0009): the records
    /// it disclosed (<paramref name="received"/> of them), or its refusal. Nothing is read here; the record names the
    /// patient (by pseudonym) only if they have records here too. Returns the audit record's id.
    /// </summary>
    /// <param name="detail">A fixed description, e.g. "records received from member-a"; never clinical content.</param>
    public Guid AuditReceipt(Accessor who, AccessContext ctx, string? patientId, bool permitted, int received, IReadOnlyList<string> reasons, string detail)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        ArgumentOutOfRangeException.ThrowIfNegative(received);
        var call = Begin(who, ctx);
        var patient = patientId is null ? null : _vault.TryGetPseudonym(patientId);
        return Keep(Build(call, AccessAction.Disclose, permitted ? AuditOutcome.Permit : AuditOutcome.Deny, patient, null, null, received, 0, false,
            [.. reasons], detail));
    }

    private GateCall Begin(Accessor who, AccessContext ctx)
    {
        ArgumentNullException.ThrowIfNull(who);
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentException.ThrowIfNullOrWhiteSpace(who.Subject, nameof(who));
        ArgumentNullException.ThrowIfNull(who.Scopes);
        if (who.Reference is not null && string.IsNullOrWhiteSpace(who.Reference))
        {
            throw new ArgumentException("The accessor's reference is empty; leave it null when the caller has none.", nameof(who));
        }

        var purpose = ctx.Purpose is { } named ? PurposeOf(named) : DefaultPurpose(who.Role, ctx.BreakGlass is not null);
        return new GateCall(who, ctx, _time.GetUtcNow(), purpose);
    }

    // The defaults of PurposeDefaults as codings, made once: most requests name no purpose, and parsing the same constant
    // again on every call (its system checked for white space, its code trimmed and scanned) was work only the door did.
    private static readonly ModelCoding?[] s_defaultPurposes = DefaultPurposes();
    private static readonly ModelCoding s_emergencyTreatment = PurposeOf(PurposeDefaults.EmergencyTreatment);

    private static ModelCoding?[] DefaultPurposes()
    {
        var roles = Enum.GetValues<CareLedgerRole>();
        var purposes = new ModelCoding?[roles.Max(role => (int)role) + 1];
        foreach (var role in roles)
        {
            purposes[(int)role] = PurposeOf(PurposeDefaults.For(role));
        }

        return purposes;
    }

    private static ModelCoding DefaultPurpose(CareLedgerRole role, bool breakGlass) =>
        breakGlass ? s_emergencyTreatment
        : (uint)role < (uint)s_defaultPurposes.Length && s_defaultPurposes[(int)role] is { } purpose ? purpose
        : PurposeOf(PurposeDefaults.For(role));

    // Asked on every call: a loop, not LINQ's Any over the string (an enumerator boxed per call).
    private static bool HasWhiteSpace(string text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A v3 ActReason code (<c>TREAT</c>), or <c>system|code</c> for a purpose from another code system.</summary>
    private static ModelCoding PurposeOf(string purpose)
    {
        var bar = purpose.IndexOf('|', StringComparison.Ordinal);
        var coding = bar < 0
            ? new ModelCoding(Consent.Vocabulary.CodeSystems.ActReason, purpose.Trim())
            : new ModelCoding(purpose[..bar].Trim(), purpose[(bar + 1)..].Trim());
        return coding.IsComplete && !HasWhiteSpace(coding.Code)
            ? coding
            : throw new ArgumentException($"'{purpose}' is not a purpose of use (a v3 ActReason code such as TREAT, or system|code).", nameof(purpose));
    }
}
