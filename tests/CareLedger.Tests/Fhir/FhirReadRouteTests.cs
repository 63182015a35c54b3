using System.Net;
using System.Net.Http.Headers;
using CareLedger.Access.Audit;
using CareLedger.Access.Callers;
using CareLedger.Access.Gate;
using CareLedger.Fhir.Api;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.Fhir;

/// <summary>
/// The read and vread by id authenticate and answer their errors in their own handlers, not behind the /fhir groups'
/// caller and exception filters (<c>FhirEndpoints.MapReads</c>). What the filters did must still happen on both routes:
/// a 401 OperationOutcome with a bearer challenge, recorded as a refusal under the route's template; every error an
/// OperationOutcome with its status; every read audited.
/// </summary>
public sealed class FhirReadRouteTests
{
    [Theory]
    [InlineData("Observation/{0}", "GET /fhir/{type}/{id}")]
    [InlineData("Observation/{0}/_history/1", "GET /fhir/{type}/{id}/_history/{version}")]
    public async System.Threading.Tasks.Task Without_a_token_a_read_is_401_with_a_challenge_and_recorded_as_a_refusal_under_the_routes_template(string path, string detail)
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var id = await CreateObservationAsync(node);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var anonymous = node.AnonymousClient();

        using var response = await anonymous.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, id));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(OperationOutcome.IssueType.Login, (await FhirTestNode.OutcomeAsync(response)).Issue[0].Code);
        var refusal = Assert.Single(await AuditOfAsync(node, Accessor.AnonymousSubject, started));
        Assert.Equal(AuditOutcome.Deny, refusal.Outcome);
        Assert.Equal(AccessAction.Read, refusal.Action);
        Assert.Equal("Observation", refusal.ResourceType);
        Assert.Equal(detail, refusal.Detail);
        Assert.StartsWith("not authenticated: no access token", Assert.Single(refusal.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_forged_token_on_a_read_is_401_invalid_token()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var id = await CreateObservationAsync(node);
        using var forged = node.AnonymousClient();
        forged.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");

        using var response = await forged.GetAsync($"Observation/{id}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter, StringComparison.Ordinal);
        Assert.StartsWith("the access token was rejected", (await FhirTestNode.OutcomeAsync(response)).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Each_error_of_a_read_or_vread_is_an_OperationOutcome_with_its_status()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var id = await CreateObservationAsync(node);
        var deleted = await CreateObservationAsync(node);
        Assert.True((await node.Client.DeleteAsync($"Observation/{deleted}")).IsSuccessStatusCode);

        (string Path, (string Name, string Value)[] Headers, HttpStatusCode Status, string Says)[] cases =
        [
            ("NoSuchType/x1", [], HttpStatusCode.NotFound, "unknown resource type 'NoSuchType'"),
            ("Observation/no-such-record", [], HttpStatusCode.NotFound, "does not exist"),
            ("Observation/" + new string('a', 65), [], HttpStatusCode.NotFound, "does not exist"),
            ($"Observation/{deleted}", [], HttpStatusCode.Gone, "deleted"),
            ($"Observation/{id}", [(FhirHttp.PurposeHeader, "TREAT NOW")], HttpStatusCode.BadRequest, FhirHttp.PurposeHeader),
            ($"Observation/{id}", [(FhirHttp.BreakGlassReasonHeader, "unconscious")], HttpStatusCode.BadRequest, "break-glass needs both"),
            ($"Observation/{id}/_history/x", [], HttpStatusCode.NotFound, "is not a version"),
            ($"Observation/{id}/_history/9", [], HttpStatusCode.NotFound, "has no version 9"),
            ($"Observation/{deleted}/_history/2", [], HttpStatusCode.Gone, "is its deletion"),
        ];

        foreach (var (path, headers, status, says) in cases)
        {
            using var response = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Get, path, null, headers));
            Assert.True(status == response.StatusCode, $"{path}: {(int)response.StatusCode}, expected {(int)status}");
            Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(says, (await FhirTestNode.OutcomeAsync(response)).Issue[0].Diagnostics, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task A_read_and_a_vread_with_a_token_answer_the_resource_and_each_is_audited_once()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var id = await CreateObservationAsync(node);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        using var read = await node.Client.GetAsync($"Observation/{id}");
        using var vread = await node.Client.GetAsync($"Observation/{id}/_history/1");

        foreach (var response in new[] { read, vread })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("W/\"1\"", response.Headers.ETag?.ToString());
            Assert.Equal(id, (await FhirTestNode.ReadAsync<Observation>(response)).Id);
        }

        var reads = (await AuditOfAsync(node, FhirTestNode.SystemClientId, started))
            .Where(r => r is { Action: AccessAction.Read, ResourceId: not null } && r.ResourceId == id).ToList();
        Assert.Equal(2, reads.Count);
        Assert.All(reads, r => Assert.Equal((AuditOutcome.Permit, 1), (r.Outcome, r.Disclosed)));
        Assert.All(reads, r => Assert.False(string.IsNullOrEmpty(r.RequestId)));
        Assert.NotEqual(reads[0].RequestId, reads[1].RequestId);
    }

    [Theory]
    [InlineData("Observation/{0}")]
    [InlineData("Observation/{0}/_history/1")]
    public async System.Threading.Tasks.Task A_read_the_door_refuses_is_a_403_recorded_once_by_the_door(string path)
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var id = await CreateObservationAsync(node);
        using var tokens = node.AnonymousClient();
        tokens.BaseAddress = new Uri("http://localhost/");
        var narrow = await CareLedger.Tests.Identity.OAuthFlows.AccessTokenAsync(tokens, FhirTestNode.SystemClientId, FhirTestNode.SystemClientSecret,
            "system/Patient.rs");
        using var client = node.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", narrow);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        using var response = await client.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, id));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("system/Observation.r", (await FhirTestNode.OutcomeAsync(response)).Issue[0].Diagnostics, StringComparison.Ordinal);
        // The door's own refusal, and no second one recorded beside it for the same request (the caller goes on the
        // request only once an error follows: the answer to the error still has what it needs).
        var refusal = Assert.Single(await AuditOfAsync(node, FhirTestNode.SystemClientId, started), r => r.Outcome == AuditOutcome.Deny);
        Assert.Equal((AccessAction.Read, "Observation", id), (refusal.Action, refusal.ResourceType, refusal.ResourceId));
        Assert.Contains(refusal.Reasons, r => r.Contains("do not cover", StringComparison.Ordinal));
    }

    private static async Task<string> CreateObservationAsync(FhirTestNode node)
    {
        var observation = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4", "Heart rate"),
            Value = new Quantity(72, "/min"),
        };
        using var created = await node.Client.PostAsync("Observation", FhirTestNode.Json(observation));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await FhirTestNode.ReadAsync<Observation>(created)).Id!;
    }

    private static async Task<IReadOnlyList<AuditRecord>> AuditOfAsync(FhirTestNode node, string subject, DateTimeOffset from)
    {
        await node.SettleAuditAsync();
        return [.. node.Node.Audit.Query(new AuditQuery { AccessorSubject = subject, From = from, Limit = AuditQuery.MaxLimit }).Select(e => e.Record)];
    }
}
