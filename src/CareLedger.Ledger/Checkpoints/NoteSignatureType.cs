namespace CareLedger.Ledger.Checkpoints;

/// <summary>C2SP signed-note signature type identifier bytes that CareLedger speaks.</summary>
public static class NoteSignatureType
{
    /// <summary>Ed25519 over the note text (c2sp.org/signed-note).</summary>
    public const byte Ed25519 = 0x01;

    /// <summary>Timestamped Ed25519 witness cosignature, cosignature/v1 (c2sp.org/tlog-cosignature).</summary>
    public const byte CosignatureV1 = 0x04;
}
