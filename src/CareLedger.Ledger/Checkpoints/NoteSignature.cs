using System.Buffers.Binary;

namespace CareLedger.Ledger.Checkpoints;

/// <summary>One signature line of a signed note: "— KeyName base64(KeyId || Signature)". <see cref="Signature"/> excludes the 4-byte key id.</summary>
public sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature)
{
    /// <summary>The signature line without its final newline.</summary>
    public string ToLine()
    {
        NoteSyntax.ThrowIfInvalidKeyName(KeyName, nameof(KeyName));
        if (Signature is null || Signature.Length == 0)
            throw new InvalidOperationException($"The signature of key '{KeyName}' is empty.");
        var bytes = new byte[4 + Signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, KeyId);
        Signature.CopyTo(bytes, 4);
        return NoteSyntax.SignaturePrefix + KeyName + " " + Convert.ToBase64String(bytes);
    }
}
