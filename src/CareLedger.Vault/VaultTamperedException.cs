namespace CareLedger.Vault;

/// <summary>A stored record version failed its integrity check. Names the record, never its content.</summary>
public sealed class VaultTamperedException : Exception
{
    public VaultTamperedException(RecordAddress address, string what, Exception? inner = null)
        : base($"{address} failed its integrity check: {what}.", inner)
    {
        Address = address;
    }

    public RecordAddress Address { get; }
}
