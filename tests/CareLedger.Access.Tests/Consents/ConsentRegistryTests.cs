using CareLedger.Access.Consents;
using CareLedger.Access.Tests.Gate.Support;
using CareLedger.Consent.Validation;

namespace CareLedger.Access.Tests.Consents;

public sealed class ConsentRegistryTests : IDisposable
{
    private readonly GateWorld _w = new();
    private readonly byte[] _p1;

    public ConsentRegistryTests() => _p1 = _w.AddPatient("p1");

    [Fact]
    public void The_engine_knows_a_patient_only_by_the_pseudonym_in_hex()
    {
        var id = ConsentRegistry.PatientIdOf(_p1);

        Assert.Equal(Convert.ToHexStringLower(_p1), id.Value);
        Assert.Equal(32, id.Value.Length);
    }

    [Fact]
    public void A_patient_without_consents_has_an_empty_set()
    {
        var set = _w.Gate.Consents.For(_p1);

        Assert.Equal((0, ConsentRegistry.PatientIdOf(_p1)), (set.ConsentCount, set.Patient));
    }

    [Fact]
    public void The_current_active_and_inactive_consents_are_compiled_and_deleted_ones_are_not()
    {
        _w.Put("Consent", "c1", "p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit));
        _w.Put("Consent", "c2", "p1", FhirJson.Consent("c2", "p1", FhirJson.BlanketDeny, status: "inactive"));
        _w.Put("Consent", "c3", "p1", FhirJson.Consent("c3", "p1", FhirJson.BlanketDeny));
        _w.Delete("Consent", "c3", "p1");

        var set = _w.Gate.Consents.For(_p1);

        Assert.Equal((2, 2), (set.ConsentCount, set.ProvisionCount));
    }

    [Fact]
    public void A_compiled_set_is_kept_until_the_patients_consents_change()
    {
        var first = _w.Gate.Consents.For(_p1);
        _w.Put("Consent", "c1", "p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit));

        Assert.Same(first, _w.Gate.Consents.For(_p1));
        _w.Gate.AfterConsentWrite("p1");
        var second = _w.Gate.Consents.For(_p1);

        Assert.NotSame(first, second);
        Assert.Equal(1, second.ConsentCount);
        Assert.Equal(1, _w.Gate.Consents.CachedPatients);
    }

    [Fact]
    public void A_set_is_found_and_dropped_by_the_pseudonyms_bytes_whatever_array_holds_them()
    {
        var asked = (byte[])_p1.Clone();
        var first = _w.Gate.Consents.For(asked);
        // The registry keeps its own copy: what the caller does with its array afterwards changes nothing.
        Array.Clear(asked);

        Assert.Same(first, _w.Gate.Consents.For((byte[])_p1.Clone()));
        Assert.Equal(1, _w.Gate.Consents.CachedPatients);

        _w.Put("Consent", "c1", "p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit));
        _w.Gate.Consents.Invalidate((byte[])_p1.Clone());
        var second = _w.Gate.Consents.For(_p1);

        Assert.NotSame(first, second);
        Assert.Equal(1, second.ConsentCount);
        Assert.Throws<ArgumentNullException>(() => _w.Gate.Consents.For(null!));
    }

    [Fact]
    public void Patients_whose_pseudonyms_differ_have_their_own_sets()
    {
        var p2 = _w.AddPatient("p2");
        _w.Put("Consent", "c1", "p2", FhirJson.Consent("c1", "p2", FhirJson.BlanketPermit));

        Assert.Equal((0, 1), (_w.Gate.Consents.For(_p1).ConsentCount, _w.Gate.Consents.For(p2).ConsentCount));
        Assert.Equal(2, _w.Gate.Consents.CachedPatients);
    }

    [Fact]
    public void Stored_consents_that_do_not_compile_fail_with_every_problem_each_time()
    {
        _w.Put("Consent", "c1", "p1", FhirJson.Consent("c1", "p1", """{"type":"permit","code":[{"text":"heart"}]}"""));
        _w.Put("Consent", "c2", "p1", FhirJson.Consent("c2", "p1", """{"provision":[{"type":"deny"}]}"""));

        var first = Assert.Throws<ConsentValidationException>(() => _w.Gate.Consents.For(_p1));
        var second = Assert.Throws<ConsentValidationException>(() => _w.Gate.Consents.For(_p1));

        Assert.Equal(["c1 provision.code[0]", "c2 provision.type"], first.Problems.Select(p => $"{p.Consent} {p.Path}"));
        Assert.Equal(first.Problems, second.Problems);
        Assert.NotSame(first, second);
    }

    [Fact]
    public void A_consent_stored_under_another_id_than_its_own_is_refused()
    {
        _w.Put("Consent", "c9", "p1", FhirJson.Consent("c1", "p1", FhirJson.BlanketPermit));

        var error = Assert.Throws<ConsentValidationException>(() => _w.Gate.Consents.For(_p1));

        Assert.Equal(("c9", "id"), (error.Problems.Single().Consent?.Value, error.Problems.Single().Path));
    }

    [Fact]
    public void Invalidating_a_patient_without_records_changes_nothing()
    {
        _w.Gate.Consents.For(_p1);

        _w.Gate.AfterConsentWrite("nobody");

        Assert.Equal(1, _w.Gate.Consents.CachedPatients);
        Assert.Null(_w.Vault.TryGetPseudonym("nobody"));
    }

    public void Dispose() => _w.Dispose();
}
