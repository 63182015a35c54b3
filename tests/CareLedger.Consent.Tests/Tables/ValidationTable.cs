using CareLedger.Consent.Model;
using CareLedger.Consent.Vocabulary;
using static CareLedger.Consent.Tests.Fixtures.Given;

namespace CareLedger.Consent.Tests.Tables;

/// <summary>Malformed and contradictory consents, each with every problem the compiler must report.</summary>
internal static class ValidationTable
{
    private static readonly DateTimeOffset Jan1 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Feb1 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private static ProvisionNode Nest(int depth) => depth == 1 ? Permit() : Deny(Nest(depth - 1));

    private static ValidationCase Case(string name, ConsentDirective? consent, params string[] paths) => new(name, [consent], paths);

    public static IReadOnlyList<ValidationCase> All { get; } =
    [
        Case("period end before start", Privacy("c", Permit() with { Period = new Period(Feb1, Jan1) }), "provision.period"),
        Case("period end equal to start", Privacy("c", Permit() with { Period = new Period(Jan1, Jan1) }), "provision.period"),
        Case("data period end before start", Privacy("c", Permit() with { DataPeriod = new Period(Feb1, Jan1) }), "provision.dataPeriod"),
        Case("nested period outside its parent's",
            Privacy("c", Deny(Permit() with { Period = new Period(Feb1, null) }) with { Period = new Period(Jan1, Feb1) }),
            "provision.provision[0].period"),
        Case("unknown provision type", Privacy("c", new ProvisionNode((ProvisionType)7)), "provision.type"),
        Case("missing nested provision type", Privacy("c", Deny(new ProvisionNode(ProvisionType.Unspecified))), "provision.provision[0].type"),
        Case("empty actor reference", Privacy("c", Deny(Permit() with { Actors = [Actor("")] })), "provision.provision[0].actor[0].reference"),
        Case("actor without role or reference", Privacy("c", Permit() with { Actors = [new ProvisionActor(null, null)] }), "provision.actor[0]"),
        Case("actor role without a system", Privacy("c", Permit() with { Actors = [ActorRole(new Coding("", "GUARD"))] }), "provision.actor[0].role"),
        Case("purpose without a code", Privacy("c", Permit() with { Purposes = [new Coding(CodeSystems.ActReason, " ")] }), "provision.purpose[0]"),
        Case("label, class, code and action without systems",
            Privacy("c", Permit() with
            {
                SecurityLabels = [new Coding("", "PSY")],
                Classes = [new Coding("", "Observation")],
                Codes = [new Coding("", "8867-4")],
                Actions = [new Coding("", "access")],
            }),
            "provision.action[0]", "provision.securityLabel[0]", "provision.class[0]", "provision.code[0]"),
        Case("data reference without meaning or reference",
            Privacy("c", Permit() with { Data = [new DataReference(DataMeaning.Unspecified, "")] }),
            "provision.data[0].meaning", "provision.data[0].reference"),
        Case("null nested provision", Privacy("c", Deny([null!])), "provision.provision[0]"),
        Case("null list of nested provisions", Privacy("c", Deny() with { Provisions = null! }), "provision.provision"),
        Case("null lists of a provision",
            Privacy("c", Permit() with { Actors = null!, Purposes = null!, Data = null! }),
            "provision.actor", "provision.purpose", "provision.data"),
        Case("nesting deeper than the limit", Privacy("c", Nest(17)),
            "provision" + string.Concat(Enumerable.Repeat(".provision[0]", 16))),
        Case("nesting at the limit is accepted", Privacy("c", Nest(16))),
        Case("missing status", Privacy("c", Permit(), ConsentStatus.Unspecified), "status"),
        Case("unknown scope",
            new ConsentDirective(new ConsentId("c"), Patient, ConsentStatus.Active, new Coding(CodeSystems.ConsentScope, "marketing"), Permit()),
            "scope"),
        Case("missing provision",
            new ConsentDirective(new ConsentId("c"), Patient, ConsentStatus.Active, ConsentScopes.PatientPrivacy, null!), "provision"),
        Case("missing id and patient", new ConsentDirective(default, default, ConsentStatus.Active, ConsentScopes.PatientPrivacy, Permit()),
            "id", "patient"),
        Case("incomplete policy rule", Privacy("c", Permit()) with { PolicyRule = new Coding(CodeSystems.ActCode, "") }, "policyRule"),
        Case("null consent", null, "Consent"),
        Case("every problem of a consent at once",
            Privacy("c", Deny(
                new ProvisionNode((ProvisionType)9) with { Actors = [Actor(" ")] },
                Permit() with { Period = new Period(Feb1, Jan1) }), ConsentStatus.Unspecified),
            "status", "provision.provision[0].type", "provision.provision[0].actor[0].reference", "provision.provision[1].period"),
        new("consent of another patient",
            [new ConsentDirective(new ConsentId("c"), new PatientId("Patient/p-2"), ConsentStatus.Active, ConsentScopes.PatientPrivacy, Permit())],
            ["patient"]),
        new("two consents with one id", [Privacy("c", Permit()), Privacy("c", Deny())], ["id"]),
        new("problems of several consents", [Privacy("c-1", Permit() with { Actors = [Actor("")] }), Privacy("c-2", new ProvisionNode(0))],
            ["provision.actor[0].reference", "provision.type"]),
    ];
}
