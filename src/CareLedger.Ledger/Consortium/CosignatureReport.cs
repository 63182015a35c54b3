using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>
/// What one cosigned note contributed: the verified member cosignatures, how many signatures came from keys outside
/// the member set (ignored, as c2sp.org/signed-note prescribes), and the problems (bad signatures, malformed or
/// foreign checkpoint). <see cref="Checkpoint"/> is null when the note is not a checkpoint of this log.
/// </summary>
public sealed record CosignatureReport(
    Checkpoint? Checkpoint,
    IReadOnlyList<MemberCosignature> Accepted,
    int IgnoredUnknownKeys,
    IReadOnlyList<string> Problems,
    bool CommitAdvanced)
{
    internal static CosignatureReport Unusable(string problem) => new(null, [], 0, [problem], false);
}
