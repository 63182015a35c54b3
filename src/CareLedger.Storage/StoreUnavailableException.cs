namespace CareLedger.Storage;

/// <summary>
/// A store cannot be opened for a reason outside the node: the server is unreachable, refuses the credentials, lacks
/// the database, or the store is in use by another process. The message is one line that names the server (never
/// the password) and what to do.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
