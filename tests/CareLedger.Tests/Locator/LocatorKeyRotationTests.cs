using CareLedger.Identity.Accounts;
using CareLedger.Identity.Api;
using CareLedger.Access.Gate;
using CareLedger.Fhir;
using CareLedger.Identity.Scopes;
using CareLedger.Ledger.Locator;
using CareLedger.Ledger.Transactions;
using CareLedger.Locator;
using CareLedger.Tests.Consortium;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Locator;

/// <summary>
/// A rolling rotation of the network's locator key (ADR 0009), on two members over real HTTP and a real nats-server:
/// a member that installed the new key still finds a member that has not (under the retired key); the member that
/// installs it next names its patients again under the new key and retracts the old entries; records are fetched
/// throughout.
/// </summary>
[Collection(ConsortiumProcesses.Name)]
public sealed class LocatorKeyRotationTests : IAsyncLifetime
{
    private const int A = 0;
    private const int B = 1;
    private const string Ssn = "999-73-0077";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private TwoMemberNetwork net = null!;

    public async Task InitializeAsync() => net = await TwoMemberNetwork.StartAsync();

    public async Task DisposeAsync() => await net.DisposeAsync();

    [Fact]
    public async Task Members_rotate_the_locator_key_one_after_the_other_and_a_patients_records_stay_found()
    {
        var ct = CancellationToken.None;
        var atA = (await net[A].Fhir.CreateAsync(net.Custodian(A), PatientWith(Ssn), null, ct)).Id;
        await net[A].Fhir.CreateAsync(net.Custodian(A), new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Subject = new ResourceReference($"Patient/{atA}"),
            Value = new Quantity(71, "/min"),
        }, null, ct);
        var atB = (await net[B].Fhir.CreateAsync(net.Custodian(B), PatientWith(Ssn), null, ct)).Id;
        var old = net[B].Locator!.PseudonymOf(Ssn);
        await UntilAsync(() => net[B].Locator!.Locate(old).Count == 1, "member A's entry did not reach member B");

        // B installs the rotation first: it still finds A under the retired key, and asks A under A's pseudonym.
        var rotated = LocatorKey.Load(net.DataDirectory(B))!.Rotate();
        rotated.SaveTo(net.DataDirectory(B));
        await net.RestartAsync(B);
        var fresh = net[B].Locator!.PseudonymOf(Ssn);
        Assert.NotEqual(old, fresh);
        var midway = Assert.Single(net[B].Locator!.LocateIdentifier(Ssn));
        Assert.Equal(Convert.ToHexStringLower(old), midway.Locator);
        await AssertFetchedAsync(atB, old);

        // A installs it: A names its patient under the new key, then retracts the old entry.
        rotated.SaveTo(net.DataDirectory(A));
        await net.RestartAsync(A);
        await UntilAsync(() => net[B].Locator!.Locate(fresh).Count == 1 && net[B].Locator!.Locate(old).Count == 0,
            "member A did not re-announce its patient under the new key and retract the old entry");
        Assert.Equal(atA, net[A].Locator!.LocalPatient(fresh));
        Assert.Null(net[A].Locator!.LocalPatient(old));
        await AssertFetchedAsync(atB, fresh);

        // B's own entry moved too, as A sees it; and a restart does not re-key again.
        await UntilAsync(() => net[A].Locator!.Locate(fresh).Count == 1 && net[A].Locator!.Locate(old).Count == 0, "member B did not re-key its entry");
        var size = net[A].Ledger.Size;
        await net.RestartAsync(A);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(atA, net[A].Locator!.LocalPatient(fresh));
        Assert.Single(net[B].Locator!.Locate(fresh));
        var since = Enumerable.Range((int)size, (int)(net[A].Ledger.Size - size)).Select(i => net[A].Ledger.ReadTransaction(i).Transaction)
            .Where(t => t.Type == TxType.Anchor).Select(t => AnchorPayload.Decode(t.Payload.Span)).ToList();
        Assert.DoesNotContain(since, a => a.Kind is LocatorAnnouncement.AnchorKind or LocatorRetraction.AnchorKind);
    }

    /// <summary>B's patient fetches her own records from A (no consent needed): A's observation arrives, asked under <paramref name="pseudonym"/>.</summary>
    private async Task AssertFetchedAsync(string patientAtB, byte[] pseudonym)
    {
        var who = new CallerContext("rotation-patient", CareLedgerRole.Patient, FhirReference.Parse($"Patient/{patientAtB}"), net[B].Config.OrganisationName,
            patientAtB, ScopeSet.Parse("patient/*.rs"), "rotation-tests").ToAccessor();
        var patient = new FhirCaller(who, new AccessContext(RequestId: Guid.NewGuid().ToString("N")));
        var fetched = await net.Services(B).GetRequiredService<RemoteRecords>().ForPatientAsync(patient, holderTimeout: null, CancellationToken.None);
        var answer = Assert.Single(fetched.Answers);
        Assert.True(answer.Received, answer.Answer.Refusal);
        Assert.Equal(Convert.ToHexStringLower(pseudonym), answer.Holder.Locator);
        Assert.Contains(answer.Answer.Records, r => (string?)r["resourceType"] == "Observation" && (string?)r["code"]?["coding"]?[0]?["code"] == "8867-4");
    }

    private static async Task UntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }

    private static Patient PatientWith(string ssn) => new()
    {
        Identifier = [new Identifier(TwoMemberNetwork.IdentifierSystem, ssn)],
        Name = [new HumanName { Family = "Okafor", Given = ["Ada"] }],
        BirthDate = "1979-06-30",
    };
}
