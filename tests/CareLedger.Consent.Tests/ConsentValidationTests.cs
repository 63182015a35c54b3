using CareLedger.Consent.Compilation;
using CareLedger.Consent.Model;
using CareLedger.Consent.Tests.Tables;
using CareLedger.Consent.Validation;
using static CareLedger.Consent.Tests.Fixtures.Given;

namespace CareLedger.Consent.Tests;

public sealed class ConsentValidationTests
{
    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var row in ValidationTable.All)
        {
            names.Add(row.Name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Compiler_reports_every_problem(string name)
    {
        var row = ValidationTable.All.Single(candidate => candidate.Name == name);

        if (row.ProblemPaths.Length == 0)
        {
            Assert.Equal(row.Consents.Length, CompiledConsentSet.Compile(Patient, row.Consents!).ConsentCount);
            return;
        }

        var error = Assert.Throws<ConsentValidationException>(() => CompiledConsentSet.Compile(Patient, row.Consents!));

        Assert.Equal(row.ProblemPaths, error.Problems.Select(problem => problem.Path));
        foreach (var problem in error.Problems)
        {
            Assert.Contains(problem.ToString(), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validator_names_the_consent_and_explains_the_problem()
    {
        var consent = Privacy("c-9", Deny(Permit() with { Period = new Period(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)) }));

        var problem = Assert.Single(ConsentValidator.Validate(consent));

        Assert.Equal("c-9", problem.Consent?.Value);
        Assert.Equal(
            "Consent c-9 provision.provision[0].period: ends at 2026-01-01T00:00:00.0000000+00:00, which is not after its start 2026-02-01T00:00:00.0000000+00:00",
            problem.ToString());
    }

    [Fact]
    public void Valid_consent_has_no_problems()
    {
        Assert.Empty(ConsentValidator.Validate(Privacy("c", Deny(Permit() with { Actors = [Actor("Organization/hosp-a")] }))));
    }

    [Fact]
    public void Validation_messages_never_name_the_patient()
    {
        var error = Assert.Throws<ConsentValidationException>(() => CompiledConsentSet.Compile(
            Patient,
            [new ConsentDirective(new ConsentId("c"), new PatientId("Patient/secret-42"), ConsentStatus.Active, default, Permit())]));

        Assert.DoesNotContain("secret-42", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Patient.Value, error.Message, StringComparison.Ordinal);
    }
}
