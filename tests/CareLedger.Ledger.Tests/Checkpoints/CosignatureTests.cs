using System.Text;
using CareLedger.Ledger.Checkpoints;
using NSec.Cryptography;

namespace CareLedger.Ledger.Tests.Checkpoints;

public class CosignatureTests
{
    private const string CheckpointText = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    [Fact]
    public void A_cosignature_is_a_big_endian_timestamp_and_an_ed25519_signature_over_the_cosignature_v1_message()
    {
        using var witness = CosignerKey.Generate("witness.example.com/w1");
        var signature = witness.Cosign(CheckpointText, DateTimeOffset.FromUnixTimeSeconds(1679315147));

        Assert.Equal(CosignatureV1.Size, signature.Signature.Length);
        Assert.Equal(Convert.FromHexString("00000000641850CB"), signature.Signature[..8]);
        var message = "cosignature/v1\ntime 1679315147\n" + CheckpointText;
        Assert.Equal(Encoding.UTF8.GetBytes(message), CosignatureV1.Message(1679315147, CheckpointText));
        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519, witness.VerifierKey.PublicKey, KeyBlobFormat.RawPublicKey);
        Assert.True(SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.UTF8.GetBytes(message), signature.Signature.AsSpan(8)));
    }

    [Fact]
    public void The_c2sp_example_cosignature_carries_the_timestamp_of_its_example_message()
    {
        // PROVENANCE: c2sp.org/tlog-cosignature (github.com/C2SP/C2SP tlog-cosignature.md): the example note and its
        // "time 1679315147" signed message.
        var note = SignedNote.Parse(CheckpointText + "\n" +
            "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n" +
            "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n");
        Assert.True(CosignatureV1.TryReadTimestamp(note.Signatures[1].Signature, out var timestamp));
        Assert.Equal(1679315147, timestamp);
        Assert.False(CosignatureV1.TryReadTimestamp(note.Signatures[0].Signature, out _));
    }

    [Fact]
    public void The_transparency_dev_cosignature_vector_carries_its_timestamp()
    {
        // PROVENANCE: github.com/transparency-dev/formats note/note_cosigv1_test.go, TestCoSigV1Timestamp.
        var bytes = Convert.FromBase64String("ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==");
        Assert.True(CosignatureV1.TryReadTimestamp(bytes.AsSpan(4), out var timestamp));
        Assert.Equal(1727964367, timestamp);
    }

    [Fact]
    public void A_cosignature_verifies_only_with_the_cosigner_key_and_only_over_the_same_text_and_time()
    {
        using var witness = CosignerKey.Generate("example.org/witness");
        var signature = witness.Cosign(CheckpointText, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        var note = new SignedNote(CheckpointText, [signature]);
        Assert.True(witness.VerifierKey.Verify(note, signature));

        var otherTime = (byte[])signature.Signature.Clone();
        otherTime[7] ^= 1;
        Assert.False(witness.VerifierKey.Verify(note, signature with { Signature = otherTime }));

        var otherText = new SignedNote(CheckpointText.Replace("20852163", "20852164", StringComparison.Ordinal), [signature]);
        Assert.False(witness.VerifierKey.Verify(otherText, signature));

        // The same public key as a plain type 0x01 key has another key id and does not accept the cosignature.
        var asNoteKey = VerifierKey.Create(witness.Name, NoteSignatureType.Ed25519, witness.VerifierKey.PublicKey);
        Assert.False(asNoteKey.Verify(note, signature with { KeyId = asNoteKey.KeyId }));
    }

    [Fact]
    public void Only_well_formed_checkpoints_at_non_negative_times_are_cosigned()
    {
        using var witness = CosignerKey.Generate("example.org/witness");
        Assert.Throws<ArgumentException>(() => witness.Cosign("not a checkpoint\n", DateTimeOffset.UnixEpoch));
        Assert.Throws<ArgumentOutOfRangeException>(() => witness.Cosign(CheckpointText, DateTimeOffset.UnixEpoch.AddSeconds(-1)));
    }
}
