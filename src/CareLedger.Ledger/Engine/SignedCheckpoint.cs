using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Engine;

/// <summary>A signed checkpoint note with its parsed body.</summary>
internal sealed record SignedCheckpoint(SignedNote Note, Checkpoint Body)
{
    public long Size => Body.Size;

    public static SignedCheckpoint Parse(string note)
    {
        var signed = SignedNote.Parse(note);
        return new SignedCheckpoint(signed, Checkpoint.Parse(signed.Text));
    }
}
