namespace CareLedger.Fhir.Bundles;

/// <summary>
/// How a Bundle is processed. The REST API uses <see cref="Default"/>: POST assigns new ids (as FHIR says).
/// The importer keeps the ids the source gave (<see cref="PreserveIds"/>) and treats an id that already exists
/// as already imported, which makes a re-run create nothing new.
/// </summary>
public sealed record BundleOptions
{
    public static BundleOptions Default { get; } = new();

    public static BundleOptions Import { get; } = new() { PreserveIds = true };

    /// <summary>POST keeps Resource.id; an existing resource with that id is reported as already present (200) and not written again.</summary>
    public bool PreserveIds { get; init; }

    /// <summary>Refuse literal references to resources that neither exist nor are written by the same bundle.</summary>
    public bool CheckReferences { get; init; } = true;

    /// <summary>Put each written resource into its response entry (Prefer: return=representation).</summary>
    public bool ReturnResources { get; init; } = true;
}
