namespace CareLedger.AccessApi;

/// <summary>The patient a request is about, once the caller was found to be allowed to ask.</summary>
/// <param name="Id">The FHIR id of the Patient.</param>
/// <param name="Pseudonym">The vault's pseudonym of the patient; null when this node holds no records of them.</param>
internal sealed record ViewedPatient(string Id, byte[]? Pseudonym)
{
    public string Reference => $"Patient/{Id}";

    public bool Owns(byte[]? pseudonym) => Pseudonym is not null && pseudonym is not null && Pseudonym.AsSpan().SequenceEqual(pseudonym);

    /// <summary>The pseudonym, or 404 when this node holds nothing of the patient.</summary>
    public byte[] RequirePseudonym() => Pseudonym ?? throw AccessProblems.NoRecordsOf(Id);
}
