namespace CareLedger.Identity.Scopes;

/// <summary>
/// Whose data a resource scope reaches: the patient in context (<c>patient/</c>), whatever the signed-in user may see
/// (<c>user/</c>), or a backend system without a user (<c>system/</c>). Flags, so that a question like "which contexts
/// permit this read" has one answer.
/// </summary>
[Flags]
public enum SmartContext
{
    None = 0,
    Patient = 1,
    User = 2,
    System = 4,
}
