using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CareLedger.Fhir.LedgerProvenance;
using CareLedger.Ledger.Transactions;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.Fhir;

public sealed class FhirRestTests
{
    private static Patient NewPatient(string family = "Rivera") => new()
    {
        Gender = AdministrativeGender.Female,
        BirthDate = "1980-04-02",
        Name = [new HumanName { Family = family, Given = ["Ana"] }],
        Identifier = [new Identifier("urn:test:mrn", Guid.NewGuid().ToString("N"))],
    };

    [Fact]
    public async System.Threading.Tasks.Task Create_answers_201_with_location_etag_and_the_stored_resource_reads_back_equal()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var sent = NewPatient();

        var created = await node.Client.PostAsync("Patient", FhirTestNode.Json(sent));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("W/\"1\"", created.Headers.ETag?.ToString());
        Assert.NotNull(created.Content.Headers.LastModified);
        Assert.Matches("/fhir/Patient/[0-9a-f-]{36}/_history/1$", created.Headers.Location!.ToString());
        var body = await FhirTestNode.ReadAsync<Patient>(created);
        var read = await node.Client.GetAsync($"Patient/{body.Id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var stored = await FhirTestNode.ReadAsync<Patient>(read);
        Assert.Equal("1", stored.Meta!.VersionId);
        sent.Id = body.Id;
        stored.Meta = null;
        Assert.True(stored.IsExactly(sent));
    }

    [Fact]
    public async System.Threading.Tasks.Task Update_with_the_current_etag_makes_version_2_and_a_stale_etag_is_refused_with_412()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var created = await FhirTestNode.ReadAsync<Patient>(await node.Client.PostAsync("Patient", FhirTestNode.Json(NewPatient())));
        created.Gender = AdministrativeGender.Other;

        var updated = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Put, $"Patient/{created.Id}", FhirTestNode.Json(created), ("If-Match", "W/\"1\"")));
        var stale = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Put, $"Patient/{created.Id}", FhirTestNode.Json(created), ("If-Match", "W/\"1\"")));

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("W/\"2\"", updated.Headers.ETag?.ToString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("version conflict", (await FhirTestNode.OutcomeAsync(stale)).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Vread_and_history_show_every_version_newest_first()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var patient = await FhirTestNode.ReadAsync<Patient>(await node.Client.PostAsync("Patient", FhirTestNode.Json(NewPatient("First"))));
        patient.Name[0].Family = "Second";
        await node.Client.PutAsync($"Patient/{patient.Id}", FhirTestNode.Json(patient));

        var v1 = await FhirTestNode.ReadAsync<Patient>(await node.Client.GetAsync($"Patient/{patient.Id}/_history/1"));
        var history = await FhirTestNode.ReadAsync<Bundle>(await node.Client.GetAsync($"Patient/{patient.Id}/_history"));
        var typeHistory = await FhirTestNode.ReadAsync<Bundle>(await node.Client.GetAsync("Patient/_history"));
        var missingVersion = await node.Client.GetAsync($"Patient/{patient.Id}/_history/9");

        Assert.Equal("First", v1.Name[0].Family);
        Assert.Equal(Bundle.BundleType.History, history.Type);
        Assert.Equal(["2", "1"], history.Entry.Select(e => e.Resource!.Meta!.VersionId));
        Assert.Equal("Second", ((Patient)history.Entry[0].Resource!).Name[0].Family);
        Assert.Equal(2, typeHistory.Entry.Count);
        Assert.Equal(HttpStatusCode.NotFound, missingVersion.StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task Delete_makes_reads_gone_keeps_old_versions_and_shows_in_history()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var patient = await FhirTestNode.ReadAsync<Patient>(await node.Client.PostAsync("Patient", FhirTestNode.Json(NewPatient())));

        var deleted = await node.Client.DeleteAsync($"Patient/{patient.Id}");
        var read = await node.Client.GetAsync($"Patient/{patient.Id}");
        var old = await node.Client.GetAsync($"Patient/{patient.Id}/_history/1");
        var history = await FhirTestNode.ReadAsync<Bundle>(await node.Client.GetAsync($"Patient/{patient.Id}/_history"));
        var search = await FhirTestNode.ReadAsync<Bundle>(await node.Client.GetAsync($"Patient?_id={patient.Id}"));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, read.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.Deleted, (await FhirTestNode.OutcomeAsync(read)).Issue[0].Code);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal(Bundle.HTTPVerb.DELETE, history.Entry[0].Request!.Method);
        Assert.Empty(search.Entry);
    }

    [Fact]
    public async System.Threading.Tasks.Task Conditional_delete_removes_the_one_match_and_refuses_an_ambiguous_one()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var patient = NewPatient();
        var id = (await FhirTestNode.ReadAsync<Patient>(await node.Client.PostAsync("Patient", FhirTestNode.Json(patient)))).Id;
        await node.Client.PostAsync("Patient", FhirTestNode.Json(NewPatient("Twin")));
        await node.Client.PostAsync("Patient", FhirTestNode.Json(NewPatient("Twin")));

        var deleted = await node.Client.DeleteAsync($"Patient?identifier={patient.Identifier[0].System}|{patient.Identifier[0].Value}");
        var ambiguous = await node.Client.DeleteAsync("Patient?family=Twin");
        var recreated = await node.Client.PutAsync($"Patient/{id}", FhirTestNode.Json(new Patient { Id = id, Gender = AdministrativeGender.Male }));

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, ambiguous.StatusCode);
        Assert.Equal(HttpStatusCode.Created, recreated.StatusCode);
        Assert.Equal("W/\"3\"", recreated.Headers.ETag?.ToString());
    }

    [Fact]
    public async System.Threading.Tasks.Task Every_version_has_a_provenance_that_names_its_ledger_transaction_and_receipt()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var patient = await FhirTestNode.ReadAsync<Patient>(await node.Client.PostAsync("Patient", FhirTestNode.Json(NewPatient())));

        var response = await node.Client.GetAsync($"Patient/{patient.Id}/_history/1/$provenance");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var provenance = await FhirTestNode.ReadAsync<Provenance>(response);
        Assert.Equal($"Patient/{patient.Id}/_history/1", provenance.Target[0].Reference);
        var ledger = provenance.GetExtension(ProvenanceFactory.LedgerExtensionUrl);
        var txId = TxId.Parse(((FhirString)ledger!.GetExtension("transactionId")!.Value!).Value!);
        Assert.True(node.Ledger.State.TryGetLeafIndex(txId, out var leaf));
        Assert.Equal(leaf, (long)((FhirDecimal)ledger.GetExtension("leafIndex")!.Value!).Value!.Value);
        Assert.Equal($"http://localhost/ledger/receipts/{txId}", ((FhirUrl)ledger.GetExtension("receipt")!.Value!).Value);
        Assert.Equal(node.Ledger.Keys.Node.Id.ToString(), provenance.Agent[0].Who!.Identifier!.Value);
    }

    [Fact]
    public async System.Threading.Tasks.Task Prefer_minimal_returns_no_body_and_prefer_operation_outcome_returns_one()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);

        var minimal = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Post, "Patient", FhirTestNode.Json(NewPatient()), ("Prefer", "return=minimal")));
        var outcome = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Post, "Patient", FhirTestNode.Json(NewPatient()), ("Prefer", "return=OperationOutcome")));

        Assert.Equal(HttpStatusCode.Created, minimal.StatusCode);
        Assert.Empty(await minimal.Content.ReadAsByteArrayAsync());
        Assert.NotNull(minimal.Headers.Location);
        Assert.Equal(OperationOutcome.IssueSeverity.Information, (await FhirTestNode.OutcomeAsync(outcome)).Issue[0].Severity);
    }

    [Fact]
    public async System.Threading.Tasks.Task Xml_is_accepted_and_served()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var xml = """<Patient xmlns="http://hl7.org/fhir"><gender value="male"/><birthDate value="1971-02-03"/></Patient>""";

        var created = await node.Client.PostAsync("Patient", new StringContent(xml, Encoding.UTF8, "application/fhir+xml"));
        var id = (await FhirTestNode.ReadAsync<Patient>(created)).Id;
        var request = FhirTestNode.Request(HttpMethod.Get, $"Patient/{id}");
        request.Headers.Accept.Add(FhirTestNode.Xml);
        var read = await node.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("application/fhir+xml", read.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<birthDate value=\"1971-02-03\"", await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_capability_statement_lists_what_is_indexed_and_nothing_more()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);

        var statement = await FhirTestNode.ReadAsync<CapabilityStatement>(await node.Client.GetAsync("metadata"));

        var patient = statement.Rest[0].Resource.Single(r => r.Type == "Patient");
        var names = patient.SearchParam.Select(p => p.Name).ToHashSet();
        Assert.All(new[] { "_id", "_lastUpdated", "name", "family", "given", "identifier", "birthdate", "gender" }, n => Assert.Contains(n, names));
        Assert.DoesNotContain("_text", names);
        Assert.DoesNotContain("deceased", names);
        Assert.Contains("Observation:subject", statement.Rest[0].Resource.Single(r => r.Type == "Observation").SearchInclude);
        Assert.Contains(statement.Rest[0].Interaction, i => i.Code == CapabilityStatement.SystemRestfulInteraction.Transaction);
        Assert.Equal(FHIRVersion.N4_0_1, statement.FhirVersion);
    }

    [Fact]
    public async System.Threading.Tasks.Task Without_a_token_only_the_capability_statement_answers_and_it_points_to_the_token_endpoint()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var patient = (await node.Service.CreateAsync(FhirTestNode.System, new Patient(), null, CancellationToken.None)).Id;
        using var anonymous = node.AnonymousClient();

        var statement = await FhirTestNode.ReadAsync<CapabilityStatement>(await anonymous.GetAsync("metadata"));
        var read = await anonymous.GetAsync($"Patient/{patient}");
        var search = await anonymous.GetAsync("Patient");

        var security = statement.Rest[0].Security!;
        Assert.Equal("SMART-on-FHIR", security.Service.Single().Coding[0].Code);
        Assert.Equal("http://localhost/connect/token", security.Extension.Single().Extension.Single(e => e.Url == "token").Value!.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, search.StatusCode);
        Assert.StartsWith("Bearer", read.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"code\":\"login\"", await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task Malformed_json_is_400_with_an_operation_outcome()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);

        var response = await node.Client.PostAsync("Patient", FhirTestNode.Json("{\"resourceType\": \"Patient\", "));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("malformed JSON", (await FhirTestNode.OutcomeAsync(response)).Issue[0].Diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_invalid_resource_is_refused_with_every_problem_listed()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var size = node.RecordTransactionCount();

        var response = await node.Client.PostAsync("Patient", FhirTestNode.Json(
            """{"resourceType":"Patient","gender":"sometimes","birthDate":"2020-13-45","unknownThing":1}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issues = (await FhirTestNode.OutcomeAsync(response)).Issue.Select(i => i.Diagnostics ?? string.Empty).ToList();
        Assert.Contains(issues, i => i.Contains("gender", StringComparison.OrdinalIgnoreCase) || i.Contains("sometimes", StringComparison.Ordinal));
        Assert.Contains(issues, i => i.Contains("2020-13-45", StringComparison.Ordinal));
        Assert.Contains(issues, i => i.Contains("unknownThing", StringComparison.Ordinal));
        Assert.Equal(size, node.RecordTransactionCount());
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","Gender":"female"}""", "Gender")]
    [InlineData("""{"resourceType":"Patient","birthdate":"1980-04-02"}""", "birthdate")]
    [InlineData("""{"resourceType":"Patient","gender":"Female"}""", "Female")]
    public async System.Threading.Tasks.Task Creates_and_updates_read_names_and_codes_in_their_exact_case_as_the_strict_reader_does(string json, string named)
    {
        // Create and update bodies go first through the certified reading (ADR 0013): what it cannot certify is read
        // strictly, so a wrongly cased name or code is still refused, naming it, and nothing is written.
        await using var node = await FhirTestNode.StartAsync(http: true);
        var existing = await FhirTestNode.ReadAsync<Patient>(await node.Client.PostAsync("Patient", FhirTestNode.Json(NewPatient())));
        var size = node.RecordTransactionCount();

        var created = await node.Client.PostAsync("Patient", FhirTestNode.Json(json));
        var updated = await node.Client.PutAsync($"Patient/{existing.Id}", FhirTestNode.Json(json.Replace("{\"resourceType\":\"Patient\",", $"{{\"resourceType\":\"Patient\",\"id\":\"{existing.Id}\",", StringComparison.Ordinal)));

        foreach (var response in new[] { created, updated })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains((await FhirTestNode.OutcomeAsync(response)).Issue, i => i.Diagnostics!.Contains(named, StringComparison.Ordinal));
        }

        Assert.Equal(size, node.RecordTransactionCount());
    }

    [Fact]
    public async System.Threading.Tasks.Task An_invariant_violation_is_refused_naming_the_constraint()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);

        var response = await node.Client.PostAsync("Observation", FhirTestNode.Json(
            """{"resourceType":"Observation","status":"final","code":{"text":"x"},"referenceRange":[{"type":{"text":"no bounds"}}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains((await FhirTestNode.OutcomeAsync(response)).Issue, i => i.Diagnostics!.Contains("obs-3", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("GET", "Unicorn/1", HttpStatusCode.NotFound)]
    [InlineData("POST", "Unicorn", HttpStatusCode.NotFound)]
    [InlineData("GET", "Patient/does-not-exist", HttpStatusCode.NotFound)]
    [InlineData("PATCH", "Patient/abc", HttpStatusCode.MethodNotAllowed)]
    [InlineData("GET", "Patient?unknownparam=1", HttpStatusCode.BadRequest)]
    [InlineData("GET", "Patient?name=ab", HttpStatusCode.BadRequest)]
    [InlineData("GET", "Patient?_sort=name", HttpStatusCode.BadRequest)]
    [InlineData("GET", "Patient?birthdate=xx2020", HttpStatusCode.BadRequest)]
    public async System.Threading.Tasks.Task Bad_requests_get_an_operation_outcome_with_the_right_status(string method, string url, HttpStatusCode status)
    {
        await using var node = await FhirTestNode.StartAsync(http: true);

        var response = await node.Client.SendAsync(FhirTestNode.Request(new HttpMethod(method), url, method is "POST" or "PATCH" ? FhirTestNode.Json("{\"resourceType\":\"Patient\"}") : null));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(OperationOutcome.IssueSeverity.Error, (await FhirTestNode.OutcomeAsync(response)).Issue[0].Severity);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_body_for_another_type_or_id_is_refused()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);

        var wrongType = await node.Client.PostAsync("Observation", FhirTestNode.Json(NewPatient()));
        var patient = NewPatient();
        patient.Id = "abc";
        var wrongId = await node.Client.PutAsync("Patient/xyz", FhirTestNode.Json(patient));

        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongId.StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_oversize_payload_is_413()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var big = new Patient { Text = new Narrative { Status = Narrative.NarrativeStatus.Generated, Div = "<div xmlns=\"http://www.w3.org/1999/xhtml\">" + new string('x', 3 * 1024 * 1024) + "</div>" } };

        var response = await node.Client.PostAsync("Patient", FhirTestNode.Json(big));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(OperationOutcome.IssueType.TooCostly, (await FhirTestNode.OutcomeAsync(response)).Issue[0].Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_reference_to_nothing_is_422_and_nothing_is_stored()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var size = node.RecordTransactionCount();

        var response = await node.Client.PostAsync("Observation", FhirTestNode.Json(
            """{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/nobody"}}"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Patient/nobody", (await FhirTestNode.OutcomeAsync(response)).Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(size, node.RecordTransactionCount());
    }

    [Fact]
    public async System.Threading.Tasks.Task Conditional_create_returns_the_existing_resource_instead_of_a_second_one()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var patient = NewPatient();
        var condition = $"identifier={patient.Identifier[0].System}|{patient.Identifier[0].Value}";

        var first = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Post, "Patient", FhirTestNode.Json(patient), ("If-None-Exist", condition)));
        var second = await node.Client.SendAsync(FhirTestNode.Request(HttpMethod.Post, "Patient", FhirTestNode.Json(patient), ("If-None-Exist", condition)));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((await FhirTestNode.ReadAsync<Patient>(first)).Id, (await FhirTestNode.ReadAsync<Patient>(second)).Id);
    }
}
