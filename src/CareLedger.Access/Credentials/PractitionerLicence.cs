namespace CareLedger.Access.Credentials;

/// <summary>
/// What a licensing board attests about a practitioner: professional licence data, never patient data.
/// </summary>
/// <param name="LicenceNumber">The board's licence number (e.g. <c>MED-004211</c>).</param>
/// <param name="Speciality">The licensed speciality (e.g. <c>general practice</c>, or a SNOMED CT code).</param>
public sealed record PractitionerLicence(string LicenceNumber, string Speciality)
{
    public const int MaxFieldLength = 100;

    /// <summary>What is wrong with the fields, or null.</summary>
    public string? Problem() =>
        FieldProblem(LicenceNumber, "licence number") ?? FieldProblem(Speciality, "speciality");

    private static string? FieldProblem(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxFieldLength)
        {
            return $"the {field} must be 1 to {MaxFieldLength} characters, not blank";
        }

        return value.Any(char.IsControl) ? $"the {field} must not contain control characters" : null;
    }
}
