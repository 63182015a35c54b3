namespace CareLedger.Consent.Compilation;

/// <summary>Which requests a consent's scope governs.</summary>
internal enum ConsentApplicability
{
    /// <summary>Patient privacy: every access to data.</summary>
    AllDataAccess = 1,
    /// <summary>Research: access for research purposes only.</summary>
    ResearchOnly = 2,
    /// <summary>Treatment or advance directive: consent to care, not to data access.</summary>
    NoDataAccess = 3,
}
