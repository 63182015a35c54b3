namespace CareLedger.Identity.Scopes;

/// <summary>The FHIR interactions a SMART v2 permission letter stands for (c, r, u, d, s).</summary>
public enum FhirInteraction
{
    Create,
    Read,
    Update,
    Delete,
    Search,
}
