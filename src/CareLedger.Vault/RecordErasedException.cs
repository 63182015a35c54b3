namespace CareLedger.Vault;

/// <summary>The resource belonged to a patient whose data was crypto-shredded; it can be neither read nor written again.</summary>
public sealed class RecordErasedException : Exception
{
    public RecordErasedException(string resourceType, string id)
        : base($"{resourceType}/{id} was erased with its patient's data.")
    {
        ResourceType = resourceType;
        Id = id;
    }

    public string ResourceType { get; }

    public string Id { get; }
}
