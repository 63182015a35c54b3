namespace CareLedger.Fhir;

/// <summary>Limits and places of the FHIR layer. Immutable; tests use <c>with</c>.</summary>
public sealed record FhirServerOptions
{
    public static FhirServerOptions Default { get; } = new();

    /// <summary>Largest request body accepted (413 above it). A transaction bundle counts as one body.</summary>
    public long MaxRequestBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Where bulk-export files are written (DATA/export); null disables $export.</summary>
    public string? ExportDirectory { get; init; }

    /// <summary>How long finished export files stay downloadable.</summary>
    public TimeSpan ExportRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The receipt endpoint a Provenance links to, "{txId}" replaced by the transaction id.</summary>
    public string ReceiptPathTemplate { get; init; } = "/ledger/receipts/{txId}";
}
