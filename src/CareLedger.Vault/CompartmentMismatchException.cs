namespace CareLedger.Vault;

/// <summary>A new version named another patient (or none) than the resource's earlier versions. Resources do not move
/// between compartments: each version must be erasable with the patient the resource belongs to.</summary>
public sealed class CompartmentMismatchException : Exception
{
    public CompartmentMismatchException(RecordAddress attempted)
        : base($"{attempted} names a different patient compartment than the resource's earlier versions; resources cannot move between patients.")
    {
        Attempted = attempted;
    }

    public RecordAddress Attempted { get; }
}
