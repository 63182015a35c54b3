using System.Net;
using CareLedger.Access.Audit;

namespace CareLedger.Tests.Access;

/// <summary>
/// The authorisation matrix of issue 4, over real HTTP against the node's own host (<c>NodeHost</c>): every endpoint
/// that touches a patient, an access log, a report or a credential × every kind of caller × every consent state,
/// generated from ONE table (<see cref="Table"/>), so that nothing is forgotten. Each consent state has its own patient;
/// the expected outcome of a cell is derived from its table code and the state, never written per cell. Every cell also
/// checks the audit trail: a refusal (401 or 403) is recorded as a refusal, and whatever went through the door is
/// recorded with its outcome (break-glass flagged).
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixWorld world) : IClassFixture<AuthorizationMatrixWorld>
{
    /// <summary>What the patient of the cell consented to. BreakGlass: the Deny patient, and the request claims emergency access.</summary>
    public enum ConsentState { None, Permit, Deny, Revoked, Expired, BreakGlass }

    /// <summary>Who calls: a role, and for some roles the circumstance that matters (their licence, whose record, their token).</summary>
    public enum Caller
    {
        System, Patient, OtherPatient, Clinician, UnlicensedClinician, RevokedLicenceClinician, Guardian, Caregiver, Researcher,
        PrivacyOfficer, BoardOfficer, Operator, ForgedToken, ExpiredToken, OtherAudienceToken, NoToken,
    }

    /// <summary>
    /// Read: one record, refused when not allowed. Many: a search, history or export, which withholds what it may not
    /// disclose (and says how many). Write: creates or changes. Api: answers about access, reports or credentials, never
    /// a record's content. Use: a model uses the patient's records (the AI): a prediction anchored on the ledger, or refused.
    /// </summary>
    public enum Kind { Read, Many, Write, Api, Use }

    public enum Expect { Disclosed, Withheld, Written, Answered, Predicted, Refused, Unauthenticated }

    public enum Endpoint
    {
        ReadObservation, VReadObservation, SearchObservation, HistoryObservation, CreateObservation, ReadImmunization, ReadPatient,
        GrantConsent, RevokeConsent, BulkExport, GdprExport, AuditEvents, AuditReceipt, Notifications, Delegations, GrantDelegation,
        BreakGlassReview, Accounting, Erase, ListCredentials, IssueCredential, RevokeCredential, VerifyCredential, Metadata,
        AiPredict, FhirPredict, FhirPredictPost, CdsPatientView, CdsOrderSelect, AiModels, AiModelCard, AiBiasReport, CdsDiscovery,
    }

    /// <summary>One row of the table: an endpoint, its kind, whether it passes the door, and a code per caller.</summary>
    public sealed record Row(Endpoint Endpoint, Kind Kind, bool ThroughTheDoor, string Codes)
    {
        public char CodeFor(Caller caller) => Codes.Split(' ', StringSplitOptions.RemoveEmptyEntries)[(int)caller][0];
    }

    /// <summary>
    /// THE table. One code per caller, in the order of <see cref="Caller"/>:
    /// <c>Y</c> allowed whatever the consent state; <c>C</c> allowed when the patient's consent permits (or, for a
    /// credentialed clinician, under break-glass); <c>W</c> accepted but nothing disclosed (a read is refused, a search
    /// withholds); <c>N</c> refused (403); <c>U</c> not authenticated (401); <c>P</c> public, answered to anyone.
    /// Under break-glass, a request through the door by anyone but a clinician is refused outright ("only for
    /// credentialed clinicians"), so its Y and C become W. The AI's rows: a treatment model predicts only for a clinician
    /// treating the patient (C: by the patient's consent, or under break-glass); a CDS Hooks refusal is an answer whose card
    /// says that no prediction was made, and why; every other refusal is a 403.
    /// </summary>
    public static readonly Row[] Table =
    [
        //                                                          Sys Pat Oth Cli Unl Rvk Grd Crg Res Prv Brd Opr Frg Exp Aud Non
        new(Endpoint.ReadObservation,    Kind.Read,  true,  "Y   Y   W   C   W   W   Y   W   C   N   N   N   U   U   U   U"),
        new(Endpoint.VReadObservation,   Kind.Read,  true,  "Y   Y   W   C   W   W   Y   W   C   N   N   N   U   U   U   U"),
        new(Endpoint.SearchObservation,  Kind.Many,  true,  "Y   Y   W   C   W   W   Y   W   C   N   N   N   U   U   U   U"),
        new(Endpoint.HistoryObservation, Kind.Many,  true,  "Y   Y   W   C   W   W   Y   W   C   N   N   N   U   U   U   U"),
        new(Endpoint.CreateObservation,  Kind.Write, true,  "Y   N   N   Y   W   W   N   N   N   N   N   N   U   U   U   U"),
        new(Endpoint.ReadImmunization,   Kind.Read,  true,  "Y   Y   W   C   W   W   Y   Y   C   N   N   N   U   U   U   U"),
        new(Endpoint.ReadPatient,        Kind.Read,  true,  "Y   Y   W   C   W   W   Y   W   C   N   N   N   U   U   U   U"),
        new(Endpoint.GrantConsent,       Kind.Write, true,  "Y   Y   W   N   N   N   Y   N   N   N   N   N   U   U   U   U"),
        new(Endpoint.RevokeConsent,      Kind.Write, true,  "Y   Y   W   N   N   N   Y   N   N   N   N   N   U   U   U   U"),
        new(Endpoint.BulkExport,         Kind.Many,  true,  "Y   Y   W   C   W   W   Y   W   C   N   N   N   U   U   U   U"),
        new(Endpoint.GdprExport,         Kind.Many,  true,  "N   Y   N   N   N   N   N   N   N   W   N   N   U   U   U   U"),
        new(Endpoint.AuditEvents,        Kind.Api,   false, "N   Y   N   N   N   N   Y   Y   N   Y   N   N   U   U   U   U"),
        new(Endpoint.AuditReceipt,       Kind.Api,   false, "N   Y   N   N   N   N   Y   Y   N   Y   N   N   U   U   U   U"),
        new(Endpoint.Notifications,      Kind.Api,   false, "N   Y   Y   N   N   N   Y   Y   N   Y   N   N   U   U   U   U"),
        new(Endpoint.Delegations,        Kind.Api,   false, "N   Y   N   N   N   N   N   N   N   Y   N   N   U   U   U   U"),
        new(Endpoint.GrantDelegation,    Kind.Api,   false, "N   Y   N   N   N   N   N   N   N   Y   N   N   U   U   U   U"),
        new(Endpoint.BreakGlassReview,   Kind.Api,   false, "N   N   N   N   N   N   N   N   N   Y   N   N   U   U   U   U"),
        new(Endpoint.Accounting,         Kind.Api,   false, "N   Y   N   N   N   N   N   N   N   Y   N   N   U   U   U   U"),
        new(Endpoint.Erase,              Kind.Api,   false, "N   Y   N   N   N   N   N   N   N   Y   N   N   U   U   U   U"),
        new(Endpoint.ListCredentials,    Kind.Api,   false, "N   N   N   N   N   N   N   N   N   N   Y   N   U   U   U   U"),
        new(Endpoint.IssueCredential,    Kind.Api,   false, "N   N   N   N   N   N   N   N   N   N   Y   N   U   U   U   U"),
        new(Endpoint.RevokeCredential,   Kind.Api,   false, "N   N   N   N   N   N   N   N   N   N   Y   N   U   U   U   U"),
        new(Endpoint.VerifyCredential,   Kind.Api,   false, "P   P   P   P   P   P   P   P   P   P   P   P   P   P   P   P"),
        new(Endpoint.Metadata,           Kind.Api,   false, "P   P   P   P   P   P   P   P   P   P   P   P   P   P   P   P"),
        new(Endpoint.AiPredict,          Kind.Use,   true,  "N   N   N   C   W   W   N   N   N   N   N   N   U   U   U   U"),
        new(Endpoint.FhirPredict,        Kind.Use,   true,  "N   N   N   C   W   W   N   N   N   N   N   N   U   U   U   U"),
        new(Endpoint.FhirPredictPost,    Kind.Use,   true,  "N   N   N   C   W   W   N   N   N   N   N   N   U   U   U   U"),
        new(Endpoint.CdsPatientView,     Kind.Use,   true,  "N   N   N   C   W   W   N   N   N   N   N   N   U   U   U   U"),
        new(Endpoint.CdsOrderSelect,     Kind.Use,   true,  "N   N   N   C   W   W   N   N   N   N   N   N   U   U   U   U"),
        new(Endpoint.AiModels,           Kind.Api,   false, "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   U   U   U   U"),
        new(Endpoint.AiModelCard,        Kind.Api,   false, "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   U   U   U   U"),
        new(Endpoint.AiBiasReport,       Kind.Api,   false, "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   U   U   U   U"),
        new(Endpoint.CdsDiscovery,       Kind.Api,   false, "Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   Y   U   U   U   U"),
    ];

    public static TheoryData<Endpoint, Caller, ConsentState> Cells()
    {
        var data = new TheoryData<Endpoint, Caller, ConsentState>();
        foreach (var row in Table)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                foreach (var state in Enum.GetValues<ConsentState>())
                {
                    data.Add(row.Endpoint, caller, state);
                }
            }
        }

        return data;
    }

    public static Expect Expected(Row row, Caller caller, ConsentState state)
    {
        var code = row.CodeFor(caller);
        switch (code)
        {
            case 'U':
                return Expect.Unauthenticated;
            case 'P':
                return Expect.Answered;
        }

        if (state == ConsentState.BreakGlass && row.ThroughTheDoor && caller != Caller.Clinician && code is 'Y' or 'C')
        {
            code = 'W';
        }

        var allowed = code == 'Y' || (code == 'C' && (state == ConsentState.Permit || (state == ConsentState.BreakGlass && caller == Caller.Clinician)));
        if (allowed)
        {
            return row.Kind switch
            {
                Kind.Read or Kind.Many => Expect.Disclosed,
                Kind.Write => Expect.Written,
                Kind.Use => Expect.Predicted,
                _ => Expect.Answered,
            };
        }

        return code != 'N' && row.Kind == Kind.Many ? Expect.Withheld : Expect.Refused;
    }

    [Fact]
    public void The_table_has_one_row_per_endpoint_and_one_code_per_caller()
    {
        Assert.Equal(Enum.GetValues<Endpoint>(), Table.Select(r => r.Endpoint));
        Assert.All(Table, r => Assert.Equal(Enum.GetValues<Caller>().Length, r.Codes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length));
        Assert.All(Table, r => Assert.All(r.Codes.Split(' ', StringSplitOptions.RemoveEmptyEntries), c => Assert.Contains(c, new[] { "Y", "C", "W", "N", "U", "P" })));
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Each_caller_gets_what_the_table_says_for_each_consent_state_and_it_is_audited(Endpoint endpoint, Caller caller, ConsentState state)
    {
        var row = Table.Single(r => r.Endpoint == endpoint);
        var expected = Expected(row, caller, state);
        var cell = await world.PrepareAsync(endpoint, caller, state);
        var started = DateTimeOffset.UtcNow.AddMilliseconds(-5);

        var (status, body, challenge) = await world.SendAsync(cell);

        var actual = Classify(row.Kind, status, body, cell.Marker);
        var described = $"{endpoint} × {caller} × {state}: expected {expected}, got {actual} ({(int)status}) {body[..Math.Min(body.Length, 500)]}";
        Assert.True(expected == actual, described);
        if (actual is Expect.Refused or Expect.Unauthenticated)
        {
            Assert.Contains(status == HttpStatusCode.OK ? CdsRefusal : "OperationOutcome", body, StringComparison.Ordinal);
            Assert.DoesNotContain(cell.Marker, body, StringComparison.Ordinal);
        }

        if (actual == Expect.Unauthenticated)
        {
            Assert.True(challenge, $"{described}: a 401 carries WWW-Authenticate");
        }

        if (actual == Expect.Withheld && endpoint == Endpoint.SearchObservation)
        {
            // A searchset says that consent withheld matches (never which).
            Assert.Contains("withheld", body, StringComparison.Ordinal);
        }

        await AssertAuditedAsync(row, cell, expected, started, described);
    }

    private async Task AssertAuditedAsync(Row row, AuthorizationMatrixWorld.Cell cell, Expect expected, DateTimeOffset started, string described)
    {
        var mustAudit = expected is Expect.Refused or Expect.Unauthenticated || (row.ThroughTheDoor && expected != Expect.Answered);
        if (!mustAudit)
        {
            return;
        }

        var records = await world.AuditOfAsync(cell.AuditSubject, started);
        if (expected is Expect.Refused or Expect.Unauthenticated)
        {
            Assert.True(records.Any(r => r.Outcome == AuditOutcome.Deny), $"{described}: the refusal is in the audit trail");
        }
        else
        {
            Assert.True(records.Count > 0, $"{described}: the decision is in the audit trail");
        }

        if (expected is Expect.Disclosed or Expect.Predicted && cell.State == ConsentState.BreakGlass)
        {
            Assert.True(records.Any(r => r is { BreakGlass: true, Outcome: AuditOutcome.Permit }), $"{described}: emergency access is flagged");
        }
    }

    /// <summary>How a CDS Hooks card says that no prediction was permitted (the hook itself answers 200).</summary>
    private const string CdsRefusal = "No prediction was made";

    private static Expect Classify(Kind kind, HttpStatusCode status, string body, string marker)
    {
        var disclosed = body.Contains(marker, StringComparison.Ordinal);
        return (status, kind) switch
        {
            (HttpStatusCode.Unauthorized, _) => Expect.Unauthenticated,
            (HttpStatusCode.Forbidden, _) => Expect.Refused,
            (HttpStatusCode.OK, Kind.Read) when disclosed => Expect.Disclosed,
            (HttpStatusCode.OK, Kind.Many) => disclosed ? Expect.Disclosed : Expect.Withheld,
            (HttpStatusCode.OK or HttpStatusCode.Created, Kind.Write) => Expect.Written,
            (HttpStatusCode.OK or HttpStatusCode.Created, Kind.Api) => Expect.Answered,
            (HttpStatusCode.OK, Kind.Use) when body.Contains(CdsRefusal, StringComparison.Ordinal) => Expect.Refused,
            (HttpStatusCode.OK, Kind.Use) when body.Contains("/ledger/receipts/", StringComparison.Ordinal) => Expect.Predicted,
            _ => throw new InvalidOperationException($"unexpected answer {(int)status} to a {kind}: {body[..Math.Min(body.Length, 500)]}"),
        };
    }
}
