using Microsoft.AspNetCore.Http;
using System.Net;
using CareLedger.Fhir.Bundles;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Tests.Fhir;

public sealed class FhirTransactionTests
{
    private const string PatientUrn = "urn:uuid:0b9c7a34-53b5-4a8e-9d2c-5b1f0e3a9d01";

    private static Bundle.EntryComponent Post(Resource resource, string? fullUrl = null, string? ifNoneExist = null) => new()
    {
        FullUrl = fullUrl,
        Resource = resource,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = resource.TypeName, IfNoneExist = ifNoneExist },
    };

    private static Observation ObservationOf(string subject, string code = "8302-2") => new()
    {
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", code),
        Subject = new ResourceReference(subject),
    };

    private static Organization Hospital(string identifier) => new() { Name = "Hospital " + identifier, Identifier = [new Identifier("urn:test:org", identifier)] };

    private static Task<Bundle> Run(FhirTestNode node, BundleOptions? options = null, params Bundle.EntryComponent[] entries) =>
        node.Bundles.ProcessAsync(FhirTestNode.System, new Bundle { Type = Bundle.BundleType.Transaction, Entry = [.. entries] }, options ?? BundleOptions.Default, "http://localhost/fhir", CancellationToken.None);

    [Fact]
    public async System.Threading.Tasks.Task Urn_uuid_references_are_rewritten_to_the_ids_the_server_assigns()
    {
        await using var node = await FhirTestNode.StartAsync();

        var response = await Run(node, null, Post(ObservationOf(PatientUrn)), Post(new Patient { Gender = AdministrativeGender.Male }, PatientUrn));

        Assert.Equal(Bundle.BundleType.TransactionResponse, response.Type);
        Assert.All(response.Entry, e => Assert.Equal("201 Created", e.Response!.Status));
        var patientId = response.Entry[1].Response!.Location!.Split('/')[1];
        Assert.NotEqual("0b9c7a34-53b5-4a8e-9d2c-5b1f0e3a9d01", patientId);
        var observation = (Observation)node.Service.Repository.ReadResource(FhirTestNode.System, "Observation", response.Entry[0].Response!.Location!.Split('/')[1])!;
        Assert.Equal($"Patient/{patientId}", observation.Subject!.Reference);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_transaction_is_one_ledger_transaction()
    {
        await using var node = await FhirTestNode.StartAsync();
        var before = node.RecordTransactionCount();

        await Run(node, null, Post(new Patient(), PatientUrn), Post(ObservationOf(PatientUrn)), Post(ObservationOf(PatientUrn, "29463-7")));

        Assert.Equal(before + 1, node.RecordTransactionCount());
    }

    [Fact]
    public async System.Threading.Tasks.Task Conditional_references_resolve_to_stored_resources_and_to_ones_created_in_the_same_bundle()
    {
        await using var node = await FhirTestNode.StartAsync();
        var stored = (await node.Service.CreateAsync(FhirTestNode.System, Hospital("STORED"), null, CancellationToken.None)).Id;

        var response = await Run(node, null,
            Post(Hospital("NEW"), "urn:uuid:11111111-1111-4111-8111-111111111111", ifNoneExist: "identifier=urn:test:org|NEW"),
            Post(new Patient { ManagingOrganization = new ResourceReference("Organization?identifier=urn:test:org|STORED") }),
            Post(new Patient { ManagingOrganization = new ResourceReference("Organization?identifier=urn:test:org|NEW") }));

        var created = response.Entry[0].Response!.Location!.Split('/')[1];
        var first = (Patient)node.Service.Repository.ReadResource(FhirTestNode.System, "Patient", response.Entry[1].Response!.Location!.Split('/')[1])!;
        var second = (Patient)node.Service.Repository.ReadResource(FhirTestNode.System, "Patient", response.Entry[2].Response!.Location!.Split('/')[1])!;
        Assert.Equal($"Organization/{stored}", first.ManagingOrganization!.Reference);
        Assert.Equal($"Organization/{created}", second.ManagingOrganization!.Reference);
    }

    [Fact]
    public async System.Threading.Tasks.Task Conditional_create_matching_a_stored_resource_writes_nothing_and_maps_its_full_url()
    {
        await using var node = await FhirTestNode.StartAsync();
        var stored = (await node.Service.CreateAsync(FhirTestNode.System, Hospital("H1"), null, CancellationToken.None)).Id;
        const string orgUrn = "urn:uuid:22222222-2222-4222-8222-222222222222";

        var response = await Run(node, null,
            Post(Hospital("H1"), orgUrn, ifNoneExist: "identifier=urn:test:org|H1"),
            Post(new Patient { ManagingOrganization = new ResourceReference(orgUrn) }));

        Assert.Equal("200 OK", response.Entry[0].Response!.Status);
        Assert.Single(node.Service.Repository.History("Organization", stored));
        var patient = (Patient)node.Service.Repository.ReadResource(FhirTestNode.System, "Patient", response.Entry[1].Response!.Location!.Split('/')[1])!;
        Assert.Equal($"Organization/{stored}", patient.ManagingOrganization!.Reference);
    }

    [Fact]
    public async System.Threading.Tasks.Task An_invalid_entry_rolls_back_the_whole_transaction()
    {
        await using var node = await FhirTestNode.StartAsync();
        var before = node.RecordTransactionCount();
        var invalid = ObservationOf(PatientUrn);
        invalid.ReferenceRange = [new Observation.ReferenceRangeComponent { Type = new CodeableConcept { Text = "no bounds" } }];

        var problem = await Assert.ThrowsAsync<FhirProblemException>(() =>
            Run(node, null, Post(new Patient { Id = "kept-out" }, PatientUrn), Post(invalid)));

        Assert.Equal(StatusCodes.Status400BadRequest, problem.Status);
        Assert.Contains(problem.Outcome.Issue, i => i.Diagnostics!.StartsWith("Bundle.entry[1]", StringComparison.Ordinal) && i.Diagnostics.Contains("obs-3", StringComparison.Ordinal));
        Assert.Equal(before, node.RecordTransactionCount());
        Assert.Empty(node.Service.Search(FhirTestNode.System, SearchRequestParser.Parse("Patient", []), "http://x/fhir").Entry);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_conditional_reference_to_nothing_fails_the_transaction_with_422()
    {
        await using var node = await FhirTestNode.StartAsync();
        var before = node.RecordTransactionCount();

        var problem = await Assert.ThrowsAsync<FhirProblemException>(() => Run(node, null,
            Post(new Patient(), PatientUrn),
            Post(new Patient { ManagingOrganization = new ResourceReference("Organization?identifier=urn:test:org|NONE") })));

        Assert.Equal(StatusCodes.Status422UnprocessableEntity, problem.Status);
        Assert.Equal(before, node.RecordTransactionCount());
    }

    [Fact]
    public async System.Threading.Tasks.Task An_ambiguous_conditional_reference_fails_with_412()
    {
        await using var node = await FhirTestNode.StartAsync();
        await node.Service.CreateAsync(FhirTestNode.System, Hospital("TWIN"), null, CancellationToken.None);
        await node.Service.CreateAsync(FhirTestNode.System, Hospital("TWIN"), null, CancellationToken.None);

        var problem = await Assert.ThrowsAsync<FhirProblemException>(() => Run(node, null,
            Post(new Patient { ManagingOrganization = new ResourceReference("Organization?identifier=urn:test:org|TWIN") })));

        Assert.Equal(StatusCodes.Status412PreconditionFailed, problem.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_version_conflict_inside_a_transaction_fails_it_with_412()
    {
        await using var node = await FhirTestNode.StartAsync();
        var patient = (Patient)(await node.Service.CreateAsync(FhirTestNode.System, new Patient(), null, CancellationToken.None)).Resource!;
        var before = node.RecordTransactionCount();
        var update = new Bundle.EntryComponent
        {
            Resource = patient,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{patient.Id}", IfMatch = "W/\"7\"" },
        };

        var problem = await Assert.ThrowsAsync<FhirProblemException>(() => Run(node, null, Post(new Patient()), update));

        Assert.Equal(StatusCodes.Status412PreconditionFailed, problem.Status);
        Assert.Equal(before, node.RecordTransactionCount());
    }

    [Fact]
    public async System.Threading.Tasks.Task Deletes_run_before_creates_and_updates_and_reads_see_the_result()
    {
        await using var node = await FhirTestNode.StartAsync();
        var doomed = (await node.Service.CreateAsync(FhirTestNode.System, new Patient { Gender = AdministrativeGender.Male }, null, CancellationToken.None)).Id;

        var response = await Run(node, null,
            new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = $"Patient/{doomed}" } },
            Post(new Patient { Gender = AdministrativeGender.Female }),
            new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.DELETE, Url = $"Patient/{doomed}" } });

        Assert.Equal("410", response.Entry[0].Response!.Status);
        Assert.Equal("201 Created", response.Entry[1].Response!.Status);
        Assert.Equal("204 No Content", response.Entry[2].Response!.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_batch_runs_each_entry_on_its_own()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var batch = new Bundle
        {
            Type = Bundle.BundleType.Batch,
            Entry = [Post(new Patient { Gender = AdministrativeGender.Female }), Post(ObservationOf("Patient/missing")), Post(new Patient { Gender = AdministrativeGender.Male })],
        };

        var response = await node.Client.PostAsync("", FhirTestNode.Json(batch));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await FhirTestNode.ReadAsync<Bundle>(response);
        Assert.Equal(["201 Created", "422", "201 Created"], answer.Entry.Select(e => e.Response!.Status));
        Assert.NotNull(answer.Entry[1].Response!.Outcome);
    }

    [Fact]
    public async System.Threading.Tasks.Task Posting_a_transaction_over_http_answers_a_transaction_response()
    {
        await using var node = await FhirTestNode.StartAsync(http: true);
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction, Entry = [Post(new Patient { Gender = AdministrativeGender.Unknown }, PatientUrn), Post(ObservationOf(PatientUrn))] };

        var response = await node.Client.PostAsync("", FhirTestNode.Json(bundle));
        var notABundle = await node.Client.PostAsync("", FhirTestNode.Json(new Patient()));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(Bundle.BundleType.TransactionResponse, (await FhirTestNode.ReadAsync<Bundle>(response)).Type);
        Assert.Equal(HttpStatusCode.BadRequest, notABundle.StatusCode);
    }
}
