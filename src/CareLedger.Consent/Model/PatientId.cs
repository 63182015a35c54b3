namespace CareLedger.Consent.Model;

/// <summary>The patient a consent is about; opaque to the engine (the node uses the FHIR reference <c>Patient/{id}</c>).</summary>
public readonly record struct PatientId
{
    public PatientId(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value;
    }

    public string Value { get; }

    public override string ToString() => Value;
}
