using CareLedger.Analytics.Data;
using CareLedger.Analytics.Registry;

namespace CareLedger.Ai.Training;

/// <summary>One included patient: the row the model learns from and, per record used, its ledger commitment and the decision that released it.</summary>
internal sealed record CohortRow(string PatientKey, FeatureRow Row, IReadOnlyList<TrainingRecord> Records);
