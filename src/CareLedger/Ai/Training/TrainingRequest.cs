using CareLedger.Ai.Data;
using CareLedger.Analytics.Training;

namespace CareLedger.Ai.Training;

/// <summary>What to train and register: a feature set, a model family, the card's name and version, and the validation.</summary>
/// <param name="Folds">Stratified cross-validation folds (each outcome needs at least this many patients).</param>
/// <param name="Seed">Seeds the fold assignment (SplitMix64) and ML.NET.</param>
public sealed record TrainingRequest(FeatureSet Set, ModelKind Kind, string Name, string Version, int Folds = 10, ulong Seed = 20261125);
