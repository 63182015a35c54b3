using CareLedger.Access.Delegation;
using CareLedger.Access.Store;
using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;

namespace CareLedger.AccessApi;

/// <summary>How a delegation is shown: its scope as recorded, whether it stands, and the ledger anchors of its grant and revocation.</summary>
internal static class DelegationJson
{
    /// <param name="patientId">The patient's FHIR id when the caller named them; the pseudonym is always given.</param>
    public static object Describe(DelegationGrant grant, string? patientId, IReadOnlyList<LedgerAnchor> anchors) => new
    {
        id = grant.Id,
        patient = patientId,
        patientPseudonym = Convert.ToHexStringLower(grant.Patient),
        @delegate = grant.DelegateReference,
        kind = grant.Kind == DelegateKind.Guardian ? "guardian" : "caregiver",
        source = grant.Source == DelegationSource.CourtOrder ? "court-order" : "patient",
        status = grant.RevokedAt is null ? "active" : "revoked",
        period = new { start = grant.Scope.Period.Start, endExclusive = grant.Scope.Period.End },
        actions = grant.Scope.Actions.Select(Describe),
        classes = grant.Scope.Classes.Select(Describe),
        recordedAt = grant.RecordedAt,
        revokedAt = grant.RevokedAt,
        anchors = anchors.Select(a => new { @event = a.Event, transaction = a.Transaction.ToString(), leafIndex = a.LeafIndex }),
    };

    private static object Describe(Coding coding) => new { system = coding.System, code = coding.Code };
}
