namespace CareLedger.Ledger.Checkpoints;

/// <summary>Verifies the signatures of a note against trusted keys as c2sp.org/signed-note prescribes.</summary>
public static class NoteVerifier
{
    /// <summary>
    /// Signatures whose key name and id match no trusted key are ignored; every signature of a trusted key must
    /// verify, or the whole note is rejected; at least one trusted signature is required.
    /// </summary>
    public static NoteVerification Verify(SignedNote note, IEnumerable<VerifierKey> trusted)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(trusted);
        var keys = trusted.ToArray();
        var verified = new List<VerifierKey>();
        foreach (var signature in note.Signatures)
        {
            VerifierKey? match = null;
            foreach (var key in keys)
            {
                if (key.KeyId != signature.KeyId || !string.Equals(key.Name, signature.KeyName, StringComparison.Ordinal))
                    continue;
                if (match is not null && !match.Equals(key))
                    return Rejected($"ambiguous key {signature.KeyName}+{signature.KeyId:x8}: two trusted keys share its name and id");
                match = key;
            }

            if (match is null)
                continue;
            if (!match.Verify(note, signature))
                return Rejected($"invalid signature for key {signature.KeyName}+{signature.KeyId:x8}");
            verified.Add(match);
        }

        return verified.Count == 0
            ? Rejected("the note has no signature from a trusted key")
            : new NoteVerification(true, verified, null);
    }

    private static NoteVerification Rejected(string error) => new(false, [], error);
}
