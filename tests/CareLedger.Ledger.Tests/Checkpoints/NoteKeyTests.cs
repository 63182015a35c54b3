using CareLedger.Ledger.Checkpoints;

namespace CareLedger.Ledger.Tests.Checkpoints;

public sealed class NoteKeyTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "careledger-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void The_go_signing_key_reproduces_the_go_key_id_vkey_and_signature_line_exactly()
    {
        using var key = NoteSigningKey.ParseSkey(GoNoteVectors.PeterSkey);
        Assert.Equal("PeterNeumann", key.Name);
        Assert.Equal(0xc74f20a3u, key.VerifierKey.KeyId);
        Assert.Equal(GoNoteVectors.PeterVkey, key.VerifierKey.ToVkey());

        var note = new SignedNote(GoNoteVectors.Text).WithSignature(key.Sign(GoNoteVectors.Text));
        Assert.Equal(GoNoteVectors.SignedByPeter, note.ToString());
    }

    [Fact]
    public void The_go_verifier_key_verifies_the_go_signature()
    {
        var note = SignedNote.Parse(GoNoteVectors.SignedByPeter);
        var peter = VerifierKey.Parse(GoNoteVectors.PeterVkey);
        Assert.True(peter.Verify(note, note.Signatures[0]));
        Assert.Equal(NoteSignatureType.Ed25519, peter.SignatureType);
        Assert.Equal(GoNoteVectors.PeterVkey, peter.ToVkey());
    }

    [Fact]
    public void Every_truncation_and_every_incremented_character_of_the_go_vkey_is_rejected()
    {
        var vkey = GoNoteVectors.PeterVkey;
        for (var i = 0; i <= vkey.Length; i++)
        {
            for (var j = i + 1; j <= vkey.Length; j++)
            {
                if (i != 0 || j != vkey.Length)
                    Assert.Throws<FormatException>(() => VerifierKey.Parse(vkey[i..j]));
            }
        }

        for (var i = 0; i < vkey.Length; i++)
        {
            var chars = vkey.ToCharArray();
            chars[i]++;
            Assert.Throws<FormatException>(() => VerifierKey.Parse(new string(chars)));
        }
    }

    [Theory]
    [InlineData("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")]
    [InlineData("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!")]
    [InlineData("bananas.sigstore.dev+12344556")]
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    public void Malformed_vkeys_are_rejected(string vkey)
    {
        Assert.Throws<FormatException>(() => VerifierKey.Parse(vkey));
    }

    [Fact]
    public void Every_truncation_and_every_incremented_character_of_the_go_skey_is_rejected()
    {
        var skey = GoNoteVectors.PeterSkey;
        for (var i = 0; i <= skey.Length; i++)
        {
            for (var j = i + 1; j <= skey.Length; j++)
            {
                if (i != 0 || j != skey.Length)
                    Assert.Throws<FormatException>(() => NoteSigningKey.ParseSkey(skey[i..j]).Dispose());
            }
        }

        for (var i = 0; i < skey.Length; i++)
        {
            var chars = skey.ToCharArray();
            chars[i]++;
            Assert.Throws<FormatException>(() => NoteSigningKey.ParseSkey(new string(chars)).Dispose());
        }
    }

    [Fact]
    public void A_native_cosignature_vkey_from_transparency_dev_parses_and_round_trips()
    {
        // PROVENANCE: github.com/transparency-dev/formats note/note_cosigv1_test.go, TestCoSigV1NewVerifier.
        const string vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
        var key = VerifierKey.Parse(vkey);
        Assert.Equal(NoteSignatureType.CosignatureV1, key.SignatureType);
        Assert.Equal(0xda77ade7u, key.KeyId);
        Assert.Equal(vkey, key.ToVkey());
    }

    [Fact]
    public void Generated_keys_round_trip_through_their_vkey()
    {
        using var log = NoteSigningKey.Generate("example.org/log");
        using var cosigner = CosignerKey.Generate("example.org/witness");
        Assert.Equal(log.VerifierKey, VerifierKey.Parse(log.VerifierKey.ToVkey()));
        Assert.Equal(cosigner.VerifierKey, VerifierKey.Parse(cosigner.VerifierKey.ToVkey()));
        Assert.Equal(NoteSignatureType.CosignatureV1, cosigner.VerifierKey.SignatureType);
        Assert.NotEqual(log.VerifierKey.KeyId, VerifierKey.Create("example.org/log", NoteSignatureType.CosignatureV1, log.VerifierKey.PublicKey).KeyId);
    }

    [Fact]
    public void Saved_keys_load_back_sign_identically_and_are_private_to_the_owner()
    {
        var logPath = Path.Combine(directory, "keys", "log.key");
        var cosignerPath = Path.Combine(directory, "keys", "cosigner.key");
        using var log = NoteSigningKey.Generate("example.org/log");
        using var cosigner = CosignerKey.Generate("example.org/witness");
        log.Save(logPath);
        cosigner.Save(cosignerPath);
        log.Save(logPath);

        using var loadedLog = NoteSigningKey.Load(logPath);
        using var loadedCosigner = CosignerKey.Load(cosignerPath);
        Assert.Equal(log.VerifierKey, loadedLog.VerifierKey);
        Assert.Equal(cosigner.VerifierKey, loadedCosigner.VerifierKey);
        Assert.Equal(log.Sign("a\n").Signature, loadedLog.Sign("a\n").Signature);
        var time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        Assert.Equal(cosigner.Cosign("o\n1\n" + new string('A', 43) + "=\n", time).Signature, loadedCosigner.Cosign("o\n1\n" + new string('A', 43) + "=\n", time).Signature);

        Assert.StartsWith("PRIVATE+KEY+example.org/log+", File.ReadAllText(logPath), StringComparison.Ordinal);
        Assert.Equal(["cosigner.key", "log.key"], Directory.GetFiles(Path.Combine(directory, "keys")).Select(Path.GetFileName).Order());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(logPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cosignerPath));
        }
    }

    [Fact]
    public void A_cosigner_key_file_is_not_accepted_as_a_log_key()
    {
        var path = Path.Combine(directory, "cosigner.key");
        using (var cosigner = CosignerKey.Generate("example.org/witness"))
            cosigner.Save(path);
        Assert.Throws<FormatException>(() => NoteSigningKey.Load(path).Dispose());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("has+plus")]
    [InlineData("tab\tname")]
    public void Invalid_key_names_are_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => NoteSigningKey.Generate(name).Dispose());
        Assert.Throws<ArgumentException>(() => CosignerKey.Generate(name).Dispose());
    }
}
