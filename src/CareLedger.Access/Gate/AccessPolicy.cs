using System.Collections.Concurrent;
using CareLedger.Access.Callers;
using CareLedger.Access.Consents;
using CareLedger.Access.Credentials;
using CareLedger.Access.Delegation;
using CareLedger.Access.Records;
using CareLedger.Consent.Decisions;
using CareLedger.Consent.Evaluation;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Validation;
using CareLedger.Consent.Vocabulary;
using CareLedger.Vault;
using ModelCoding = CareLedger.Consent.Model.Coding;

namespace CareLedger.Access.Gate;

/// <summary>
/// The decision order of the door (docs/adr/0004-access-layer.md, CONTRACTS-ACCESS.md): scope, then by role —
/// patient (own records), guardian and caregiver (delegation, then consent), system (the custodian's own service),
/// clinician (credential, then recording care or consent, with break-glass), researcher (consent, research purposes
/// only); other roles never reach patient records. Records outside any patient compartment need the scope only.
/// </summary>
internal sealed class AccessPolicy(
    PatientPseudonyms pseudonyms,
    RecordReader records,
    ConsentRegistry consents,
    ConsentEngine engine,
    ICredentialStatus credentials,
    IDelegations delegations,
    AccessGateOptions options,
    DecisionCache? decisions)
{
    private const string ConsentType = "Consent";
    private const string ParticipationType = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";

    // FHIR R4 requires a role on every consent actor (SecurityRoleType); consents name the party that receives the
    // data as its primary or plain information recipient. Whoever asks the door is the recipient of what it discloses.
    private static readonly ModelCoding[] s_recipient = [new(ParticipationType, "PRCP"), new(ParticipationType, "IRCP")];
    private static readonly ModelCoding[] s_guardianRecipient = [.. s_recipient, DelegateRoles.Guardian];

    // The custodian's own system is decided by role and organisation alone, the same way on every read: one immutable
    // decision, not a new reason string and decision per read.
    private readonly GateDecision _custodianSystem = GateDecision.Permit($"custodian system of {options.Organisation}");

    // The clinicians' Requesters by reference, one table for this custodian's own clinicians and one for others (see
    // ClinicianRequester). Bounded like the door's other caches: cleared when full.
    private const int MaxKeptRequesters = 10_000;
    private readonly ConcurrentDictionary<string, Requester> _ownClinicians = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Requester> _otherClinicians = new(StringComparer.Ordinal);

    /// <summary>Null when the caller's scopes cover the action on the type; otherwise the refusal naming the scope.</summary>
    public static GateDecision? CheckScope(GateCall call, string resourceType, AccessAction action)
    {
        if (call.Who.Scopes.Permits(resourceType, action))
        {
            return null;
        }

        var required = call.Who.Scopes.RequiredScope(resourceType, action);
        return GateDecision.Deny($"the granted scopes do not cover {Verb(action)} of {resourceType} (needs {required})") with
        {
            RequiredScope = required,
        };
    }

    /// <summary>
    /// Decides one record, after the scope check. <paramref name="facts"/> gives the versions to judge (for an update:
    /// the stored one and the new one, both of which must be permitted); it is only read when consent is consulted.
    /// <paramref name="stored"/> names the one stored version the facts are of, for a read: its consent decision may then
    /// be kept and reused (<see cref="DecisionCache"/>).
    /// </summary>
    public GateDecision Decide(GateCall call, AccessAction action, string resourceType, Compartment compartment,
        RecordFacts facts, RecordAddress? stored = null)
    {
        var who = call.Who;
        if (call.Context.BreakGlass is not null && who.Role != CareLedgerRole.Clinician)
        {
            return GateDecision.Deny("break-glass is only for credentialed clinicians");
        }

        if (call.Purpose == PurposesOfUse.EmergencyTreatment && call.Context.BreakGlass is null)
        {
            return GateDecision.Deny("purpose ETREAT is only granted through a break-glass request");
        }

        if (!compartment.IsPatient)
        {
            return GateDecision.Permit($"outside any patient compartment: the scope for {resourceType} decides");
        }

        if (resourceType == ConsentType && IsWrite(action) && who.Role is CareLedgerRole.Clinician or CareLedgerRole.Researcher)
        {
            return GateDecision.Deny("only the patient, a delegate allowed to, or the custodian's system may write a patient's Consents");
        }

        return who.Role switch
        {
            CareLedgerRole.Patient => IsOwn(call, compartment)
                ? GateDecision.Permit("the patient's own record")
                : GateDecision.Deny("the record belongs to another patient"),
            CareLedgerRole.Guardian or CareLedgerRole.Caregiver => ForDelegate(call, action, compartment, facts),
            CareLedgerRole.System => string.Equals(who.Organisation, options.Organisation, StringComparison.Ordinal)
                ? _custodianSystem
                : GateDecision.Deny("a system of another organisation has no access to this custodian's patient records"),
            CareLedgerRole.Clinician => ForClinician(call, action, compartment, facts, stored),
            CareLedgerRole.Researcher => ForResearcher(call, action, compartment, facts, stored),
            _ => GateDecision.Deny($"role {who.Role.ToName()} has no access to patient records"),
        };
    }

    private bool IsOwn(GateCall call, Compartment compartment)
    {
        if (call.Who.PatientId is not { } own)
        {
            return false;
        }

        if (compartment.PatientId is not null)
        {
            return string.Equals(compartment.PatientId, own, StringComparison.Ordinal);
        }

        return compartment.Pseudonym is { } pseudonym && pseudonyms.IsPatients(own, pseudonym);
    }

    private GateDecision ForDelegate(GateCall call, AccessAction action, Compartment compartment, RecordFacts facts)
    {
        if (call.Who.Reference is not { } reference)
        {
            return GateDecision.Deny("a delegate acts through a RelatedPerson reference, and the caller has none");
        }

        if (compartment.Pseudonym is not { } patient)
        {
            return GateDecision.Deny("the patient has no records here, so no delegation can be in force");
        }

        var key = ConsentRegistry.PatientIdOf(patient).Value;
        var grant = call.Delegation(key, () => delegations.Find(reference, patient));
        if (grant is null || grant.RevokedAt is not null)
        {
            return GateDecision.Deny("the patient has no delegation in force to this caller");
        }

        var minor = grant.Kind == DelegateKind.Guardian && call.IsMinor(key, () => IsMinor(patient, call.Now));
        // Per patient: the same caller may be one patient's guardian and another's caregiver.
        var requester = new Requester(reference) { Roles = grant.Kind == DelegateKind.Guardian ? s_guardianRecipient : s_recipient };
        return Consult(call, requester, action, patient, facts, new DelegationFacts(grant.Kind, grant.Scope, minor), breakGlass: null, stored: null);
    }

    private GateDecision ForClinician(GateCall call, AccessAction action, Compartment compartment, RecordFacts facts,
        RecordAddress? stored)
    {
        if (call.Who.Reference is not { } reference)
        {
            return GateDecision.Deny("a clinician acts through a Practitioner reference, and the caller has none");
        }

        // Once per call (a page of many records asks once); no closure made per read to ask it.
        var credential = call.Credential ??= call.Who.PresentedCredential is { } presented
            ? credentials.CheckPresented(reference, presented, call.Now)
            : credentials.Check(reference, call.Now);
        if (!credential.Valid)
        {
            return GateDecision.Deny($"no valid clinical credential: {credential.Reason}");
        }

        if (IsWrite(action))
        {
            return GateDecision.Permit($"recording care at the custodian {options.Organisation} ({credential.Reason})");
        }

        if (compartment.Pseudonym is not { } patient)
        {
            return GateDecision.Deny("the patient has no records here");
        }

        var requester = call.Requester ??= ClinicianRequester(call, reference);
        var breakGlass = call.Context.BreakGlass is { } claim ? new BreakGlassFacts(credential.Valid, claim.Reason, claim.ExpiresAt) : null;
        return Consult(call, requester, action, patient, facts, delegation: null, breakGlass, stored);
    }

    private GateDecision ForResearcher(GateCall call, AccessAction action, Compartment compartment, RecordFacts facts,
        RecordAddress? stored)
    {
        if (!engine.Profile.ResearchPurposes.Contains(call.Purpose))
        {
            return GateDecision.Deny($"a researcher acts only for research purposes, not {call.Purpose.Code}");
        }

        if (compartment.Pseudonym is not { } patient)
        {
            return GateDecision.Deny("the patient has no records here");
        }

        // A researcher without a FHIR identity is still one requester; no consent can name this reference.
        var requester = call.Requester ??= RequesterOf(call, call.Who.Reference ?? $"urn:careledger:account:{call.Who.Subject}", careTeam: false);
        return Consult(call, requester, action, patient, facts, delegation: null, breakGlass: null, stored);
    }

    /// <summary>
    /// The clinician as the consent engine sees them, made once per reference and organisation relation rather than on
    /// every read: it is a function of the reference, of whether the clinician is this custodian's, and of this door's
    /// options (immutable), and the engine does not change it.
    /// </summary>
    private Requester ClinicianRequester(GateCall call, string reference)
    {
        var own = IsSameOrganisation(call);
        var kept = own ? _ownClinicians : _otherClinicians;
        if (kept.TryGetValue(reference, out var requester))
        {
            return requester;
        }

        requester = RequesterOf(call, reference, careTeam: own);
        if (kept.Count >= MaxKeptRequesters)
        {
            kept.Clear();
        }

        kept[reference] = requester;
        return requester;
    }

    private Requester RequesterOf(GateCall call, string reference, bool careTeam) => new(reference)
    {
        Roles = s_recipient,
        Organization = IsSameOrganisation(call) ? options.OrganizationReference : null,
        IsCareTeamMember = careTeam,
    };

    private bool IsSameOrganisation(GateCall call) =>
        string.Equals(call.Who.Organisation, options.Organisation, StringComparison.Ordinal);

    private GateDecision Consult(GateCall call, Requester requester, AccessAction action, byte[] patient, RecordFacts facts,
        DelegationFacts? delegation, BreakGlassFacts? breakGlass, RecordAddress? stored)
    {
        Consent.Compilation.CompiledConsentSet set;
        try
        {
            set = consents.For(patient);
        }
        catch (ConsentValidationException e)
        {
            return GateDecision.Deny(
                $"the patient's stored consents do not validate ({e.Problems.Count} problems), so consent permits nothing until they are corrected");
        }

        // Kept only what is decided by the set, the requester, the purpose, the action and one stored version alone: no
        // break-glass (its expiry is the request's), no delegation (its period and the patient's age are), no groups.
        DecisionCache.Key key = default;
        var keep = decisions is not null && stored is not null && delegation is null && breakGlass is null
            && requester.Groups.Count == 0 && ReferenceEquals(requester.Roles, s_recipient);
        if (keep)
        {
            key = new DecisionCache.Key(stored.GetValueOrDefault(), requester.Reference, requester.Organization, requester.IsCareTeamMember, call.Purpose, action);
            if (decisions!.TryGet(key, set, call.Now, out var kept))
            {
                return kept;
            }
        }

        var decided = Evaluate(call, requester, action, set, facts, delegation, breakGlass);
        if (keep)
        {
            decisions!.Add(key, set, call.Now, decided);
        }

        return decided;
    }

    private GateDecision Evaluate(GateCall call, Requester requester, AccessAction action, Consent.Compilation.CompiledConsentSet set,
        RecordFacts facts, DelegationFacts? delegation, BreakGlassFacts? breakGlass)
    {
        GateDecision? permitted = null;
        foreach (var resource in facts.Get())
        {
            var request = new AccessRequest(set.Patient, requester, ConsentActionOf(action), call.Purpose, resource, call.Now)
            {
                BreakGlass = breakGlass,
                Delegation = delegation,
            };
            var decision = engine.Decide(set, request);
            var reasons = Messages(decision.Reasons);
            if (!decision.IsPermitted)
            {
                return new GateDecision(false, decision.DecidingReason.Message, reasons);
            }

            if (WithheldLabel(decision, resource) is { } label)
            {
                var withheld = $"label {label.Code} is withheld from a guardian of a minor";
                return new GateDecision(false, withheld, [.. reasons, withheld]);
            }

            permitted = new GateDecision(true, decision.DecidingReason.Message, reasons)
            {
                BreakGlass = decision.IsBreakGlass || permitted?.BreakGlass == true,
            };
        }

        return permitted ?? GateDecision.Deny("nothing to decide on");
    }

    // Asked on every read: a loop into an array of the right size, not a LINQ projection and a growing list.
    private static string[] Messages(IReadOnlyList<DecisionReason> reasons)
    {
        var messages = new string[reasons.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = reasons[i].Message;
        }

        return messages;
    }

    // The engine already refuses labelled records to a guardian of a minor; the obligation is honoured here as well
    // so that a future profile change cannot disclose them.
    private static ModelCoding? WithheldLabel(ConsentDecision decision, RequestedResource resource)
    {
        foreach (var obligation in decision.Obligations)
        {
            if (obligation.Code != ObligationCode.WithholdLabels)
            {
                continue;
            }

            foreach (var label in resource.SecurityLabels)
            {
                if (obligation.Labels.Contains(label))
                {
                    return label;
                }
            }
        }

        return null;
    }

    private bool IsMinor(byte[] patient, DateTimeOffset now)
    {
        var found = records.CurrentInCompartment(patient, "Patient");
        try
        {
            return found.Count != 1 || found[0].Content is not { } json || ResourceFacts.IsMinor(json, now);
        }
        finally
        {
            RecordReader.Forget(found);
        }
    }

    public static bool IsWrite(AccessAction action) => action is AccessAction.Create or AccessAction.Update or AccessAction.Delete;

    public static ModelCoding ConsentActionOf(AccessAction action) => action switch
    {
        AccessAction.Read or AccessAction.Search or AccessAction.History => ConsentActions.Access,
        AccessAction.Create => ConsentActions.Collect,
        AccessAction.Update or AccessAction.Delete => ConsentActions.Correct,
        AccessAction.Export or AccessAction.Disclose => ConsentActions.Disclose,
        AccessAction.Use => ConsentActions.Use,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "not an access action"),
    };

    public static string Verb(AccessAction action) => action switch
    {
        AccessAction.Read => "read",
        AccessAction.Search => "search",
        AccessAction.History => "history",
        AccessAction.Create => "create",
        AccessAction.Update => "update",
        AccessAction.Delete => "delete",
        AccessAction.Export => "export",
        AccessAction.Use => "use",
        AccessAction.Disclose => "disclosure",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "not an access action"),
    };
}
