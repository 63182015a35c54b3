namespace CareLedger.Access.Gate;

/// <summary>
/// Whose record a decision is about: a patient (by vault pseudonym, and by id when a write names it) or nobody's
/// (the organisation's data). A write may name a patient who has no compartment yet; then only the id is known.
/// </summary>
internal readonly record struct Compartment(byte[]? Pseudonym, string? PatientId)
{
    public static Compartment Organisation => default;

    public bool IsPatient => Pseudonym is not null || PatientId is not null;
}
