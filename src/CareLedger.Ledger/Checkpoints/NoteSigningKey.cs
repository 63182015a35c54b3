using System.Text;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>The log's checkpoint key: Ed25519, signed-note type 0x01. Key files are described on <see cref="Ed25519NoteKey"/>.</summary>
public sealed class NoteSigningKey : IDisposable
{
    private readonly Ed25519NoteKey key;

    private NoteSigningKey(Ed25519NoteKey key) => this.key = key;

    public string Name => key.Name;

    public VerifierKey VerifierKey => key.VerifierKey;

    public static NoteSigningKey Generate(string name) => new(Ed25519NoteKey.Generate(name, NoteSignatureType.Ed25519));

    public static NoteSigningKey Load(string path) => new(Ed25519NoteKey.Load(path, NoteSignatureType.Ed25519));

    /// <summary>From a golang.org/x/mod/sumdb/note private key string ("PRIVATE+KEY+name+keyid+base64").</summary>
    public static NoteSigningKey ParseSkey(string skey) => new(Ed25519NoteKey.ParseSkey(skey, NoteSignatureType.Ed25519));

    /// <summary>Writes the key file atomically with mode 0600.</summary>
    public void Save(string path) => key.Save(path);

    /// <summary>Signs a note text (which must end in a newline and hold no control characters but newlines).</summary>
    public NoteSignature Sign(string noteText)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        var problem = SignedNote.TextProblem(noteText);
        if (problem is not null)
            throw new ArgumentException($"Note text is invalid: {problem}.", nameof(noteText));
        return new NoteSignature(Name, VerifierKey.KeyId, key.Sign(Encoding.UTF8.GetBytes(noteText)));
    }

    public void Dispose() => key.Dispose();
}
