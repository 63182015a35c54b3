namespace CareLedger.Identity.Storage;

/// <summary>The row of a person's account in DATA/identity.db.</summary>
internal sealed class UserRecord
{
    public required string Id { get; set; }

    /// <summary>Lowercase; unique.</summary>
    public required string UserName { get; set; }

    /// <summary>ASP.NET Core Identity v3 format: PBKDF2-HMAC-SHA512, salt and iteration count inside.</summary>
    public required string PasswordHash { get; set; }

    public required string Role { get; set; }

    public string? FhirReference { get; set; }

    public string? PatientId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public int FailedLogins { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }
}
