using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium;

/// <summary>Splits a cosigned checkpoint note into verified member cosignatures, ignored unknown keys and reported bad signatures.</summary>
internal static class CosignatureVerification
{
    public static CosignatureReport Verify(SignedNote note, string origin, MemberKeys members) => Verify(note, origin, _ => members);

    /// <param name="membersAt">The member set in force at the checkpoint's tree size.</param>
    public static CosignatureReport Verify(SignedNote note, string origin, Func<long, MemberKeys> membersAt)
    {
        ArgumentNullException.ThrowIfNull(note);
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Parse(note.Text);
        }
        catch (FormatException e)
        {
            return CosignatureReport.Unusable(e.Message);
        }

        if (!string.Equals(checkpoint.Origin, origin, StringComparison.Ordinal))
            return CosignatureReport.Unusable($"the checkpoint is for origin '{checkpoint.Origin}', not '{origin}'");

        var members = membersAt(checkpoint.Size);
        var accepted = new List<MemberCosignature>();
        var problems = new List<string>();
        var ignored = 0;
        foreach (var signature in note.Signatures)
        {
            var member = members.Find(signature);
            if (member is null)
            {
                ignored++;
                continue;
            }

            if (member.CosignerKey.Verify(note, signature))
                accepted.Add(new MemberCosignature(member, checkpoint, new SignedNote(note.Text, [signature])));
            else
                problems.Add($"invalid cosignature from member '{member.Name}' (key {signature.KeyName}+{signature.KeyId:x8}) on checkpoint size {checkpoint.Size}");
        }

        return new CosignatureReport(checkpoint, accepted, ignored, problems, false);
    }
}
