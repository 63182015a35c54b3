namespace CareLedger.Ai.Data;

/// <summary>What one demo load wrote, and what was already there (a re-run writes nothing).</summary>
public sealed class DemoLoadReport(string dataset, int rows)
{
    public string Dataset { get; } = dataset;

    public int Rows { get; } = rows;

    public int PatientsCreated { get; internal set; }

    public int PatientsPresent { get; internal set; }

    /// <summary>Observations and Consents found by their identifier and left alone.</summary>
    public int ResourcesPresent { get; internal set; }

    /// <summary>Patients of the loaded rows who consent to research use (whether written now or before).</summary>
    public int ResearchConsents { get; internal set; }

    /// <summary>Patients of the loaded rows who consent to treatment use by the named practitioner.</summary>
    public int TreatmentConsents { get; internal set; }
}
