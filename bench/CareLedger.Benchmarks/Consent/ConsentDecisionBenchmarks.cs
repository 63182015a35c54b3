using BenchmarkDotNet.Attributes;
using CareLedger.Consent.Compilation;
using CareLedger.Consent.Decisions;
using CareLedger.Consent.Evaluation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Profiles;
using CareLedger.Consent.Requests;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Benchmarks.Consent;

/// <summary>
/// Target (ARCHITECTURE.md): a decision for a patient with 100 provisions in at most 5 µs median.
/// Run: dotnet run -c Release --project bench/CareLedger.Benchmarks -- --filter '*ConsentDecision*' --job short
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ConsentDecisionBenchmarks
{
    private const int Organisations = 33;
    private static readonly PatientId Patient = new("Patient/bench");
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    private readonly ConsentEngine _engine = new(JurisdictionProfile.OptIn);
    private ConsentDirective[] _oneConsent = [];
    private CompiledConsentSet _oneConsentSet = null!;
    private CompiledConsentSet _tenConsentsSet = null!;
    private AccessRequest _deepestPermit = null!;
    private AccessRequest _unknownOrganisation = null!;

    [GlobalSetup]
    public void Setup()
    {
        // One consent of 1 + 33 × 3 = 100 provisions: deny; per organisation permit TREAT and access
        // with data from 2020, except psychiatry, except the organisation's psychiatrist.
        _oneConsent = [OptInConsent("c-000", 0, Organisations)];
        _oneConsentSet = CompiledConsentSet.Compile(Patient, _oneConsent);

        // Ten consents of 1 + 3 × 3 = 10 provisions each (100 in all).
        _tenConsentsSet = CompiledConsentSet.Compile(
            Patient, Enumerable.Range(0, 10).Select(i => OptInConsent($"c-{i:D3}", i * 3, 3)));

        var resource = new RequestedResource("Observation")
        {
            SecurityLabels = [SecurityLabels.Psychiatry, SecurityLabels.Restricted],
            Codes = [new Coding("http://loinc.org", "8867-4")],
            DataTime = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero),
            Reference = "Observation/obs-1",
        };
        var lastOrganisation = Organisations - 1;
        _deepestPermit = new AccessRequest(
            Patient,
            new Requester($"Practitioner/psy-{lastOrganisation}") { Organization = $"Organization/org-{lastOrganisation}" },
            ConsentActions.Access,
            PurposesOfUse.Treatment,
            resource,
            Now);
        _unknownOrganisation = _deepestPermit with
        {
            Requester = new Requester("Practitioner/elsewhere") { Organization = "Organization/elsewhere" },
        };

        if (_engine.Decide(_oneConsentSet, _deepestPermit).Effect != DecisionEffect.Permit
            || _engine.Decide(_tenConsentsSet, _deepestPermit with
            {
                Requester = new Requester("Practitioner/psy-29") { Organization = "Organization/org-29" },
            }).Effect != DecisionEffect.Permit
            || _engine.Decide(_oneConsentSet, _unknownOrganisation).Effect != DecisionEffect.Deny)
        {
            throw new InvalidOperationException("The benchmark scenarios do not decide as designed.");
        }
    }

    [Benchmark(Baseline = true, Description = "100 provisions, 1 consent: deepest permit (depth 3)")]
    public ConsentDecision OneConsentDeepestPermit() => _engine.Decide(_oneConsentSet, _deepestPermit);

    [Benchmark(Description = "100 provisions, 1 consent: nothing matches, base deny")]
    public ConsentDecision OneConsentNoException() => _engine.Decide(_oneConsentSet, _unknownOrganisation);

    [Benchmark(Description = "100 provisions, 10 consents: nothing matches")]
    public ConsentDecision TenConsentsNoException() => _engine.Decide(_tenConsentsSet, _unknownOrganisation);

    [Benchmark(Description = "compile 1 consent of 100 provisions")]
    public CompiledConsentSet CompileOneConsent() => CompiledConsentSet.Compile(Patient, _oneConsent);

    private static ConsentDirective OptInConsent(string id, int firstOrganisation, int organisations) => new(
        new ConsentId(id),
        Patient,
        ConsentStatus.Active,
        ConsentScopes.PatientPrivacy,
        new ProvisionNode(ProvisionType.Deny)
        {
            Provisions = [.. Enumerable.Range(firstOrganisation, organisations).Select(OrganisationPermit)],
        });

    private static ProvisionNode OrganisationPermit(int organisation) => new(ProvisionType.Permit)
    {
        Actors = [new ProvisionActor(null, $"Organization/org-{organisation}")],
        Purposes = [PurposesOfUse.Treatment],
        Actions = [ConsentActions.Access],
        DataPeriod = new Period(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), null),
        Provisions =
        [
            new ProvisionNode(ProvisionType.Deny)
            {
                SecurityLabels = [SecurityLabels.Psychiatry],
                Provisions =
                [
                    new ProvisionNode(ProvisionType.Permit) { Actors = [new ProvisionActor(null, $"Practitioner/psy-{organisation}")] },
                ],
            },
        ],
    };
}
