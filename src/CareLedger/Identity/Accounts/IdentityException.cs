namespace CareLedger.Identity.Accounts;

/// <summary>An account or client that cannot be created or changed as asked; the message says what is wrong.</summary>
public sealed class IdentityException(string message) : Exception(message);
