using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Consortium.Evidence;

/// <summary>
/// Proof of misbehaviour by <see cref="Member"/>, self-contained: it carries the member's verifier key (vkey) and the
/// exact signed notes, so anyone can re-verify it offline with no access to the ledger.
/// </summary>
public abstract record ConsortiumEvidence(string Member, string MemberKey)
{
    /// <summary>One line for an operator; names no personal data, only the member, sizes and roots.</summary>
    public abstract string Description { get; }

    /// <summary>The checkpoint in <paramref name="note"/> if it parses and carries a valid signature of <paramref name="vkey"/>; otherwise null.</summary>
    protected static Checkpoint? SignedCheckpoint(string note, string vkey)
    {
        try
        {
            var key = VerifierKey.Parse(vkey);
            var signed = SignedNote.Parse(note);
            if (!signed.Signatures.Any(s => key.Verify(signed, s)))
                return null;
            return Checkpoint.Parse(signed.Text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
