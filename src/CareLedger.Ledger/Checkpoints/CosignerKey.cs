using System.Buffers.Binary;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>
/// A member's checkpoint cosigner: Ed25519, c2sp.org/tlog-cosignature type 0x04 (cosignature/v1). A cosigner
/// key must not be used for anything else. Key files are described on <see cref="Ed25519NoteKey"/>.
/// </summary>
public sealed class CosignerKey : IDisposable
{
    private readonly Ed25519NoteKey key;

    private CosignerKey(Ed25519NoteKey key) => this.key = key;

    public string Name => key.Name;

    public VerifierKey VerifierKey => key.VerifierKey;

    public static CosignerKey Generate(string name) => new(Ed25519NoteKey.Generate(name, NoteSignatureType.CosignatureV1));

    public static CosignerKey Load(string path) => new(Ed25519NoteKey.Load(path, NoteSignatureType.CosignatureV1));

    /// <summary>From a golang.org/x/mod/sumdb/note-style private key string with type byte 0x04.</summary>
    public static CosignerKey ParseSkey(string skey) => new(Ed25519NoteKey.ParseSkey(skey, NoteSignatureType.CosignatureV1));

    /// <summary>Writes the key file atomically with mode 0600.</summary>
    public void Save(string path) => key.Save(path);

    /// <summary>Cosigns a checkpoint body at <paramref name="time"/> (whole seconds; the checkpoint must parse).</summary>
    public NoteSignature Cosign(string checkpointNoteText, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(checkpointNoteText);
        try
        {
            Checkpoint.Parse(checkpointNoteText);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("Only a well-formed checkpoint can be cosigned: " + e.Message, nameof(checkpointNoteText), e);
        }

        var timestamp = time.ToUnixTimeSeconds();
        if (timestamp < 0)
            throw new ArgumentOutOfRangeException(nameof(time), time, "A cosignature time cannot precede 1970-01-01.");
        var signature = new byte[CosignatureV1.Size];
        BinaryPrimitives.WriteUInt64BigEndian(signature, (ulong)timestamp);
        key.Sign(CosignatureV1.Message(timestamp, checkpointNoteText)).CopyTo(signature, 8);
        return new NoteSignature(Name, VerifierKey.KeyId, signature);
    }

    public void Dispose() => key.Dispose();
}
