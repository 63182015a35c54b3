namespace CareLedger.Consent.Model;

/// <summary>The logical id of a Consent resource; it names the consent in decision reasons.</summary>
public readonly record struct ConsentId
{
    public ConsentId(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Value = value;
    }

    public string Value { get; }

    public override string ToString() => Value;
}
