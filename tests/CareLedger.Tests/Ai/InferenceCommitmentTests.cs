using CareLedger.Ai.Inference;

namespace CareLedger.Tests.Ai;

public sealed class InferenceCommitmentTests
{
    private static readonly byte[] Salt = [.. Enumerable.Range(0, 32).Select(i => (byte)i)];

    [Fact]
    public void The_anchored_digest_of_an_inference_is_frozen()
    {
        var input = InferenceCommitment.Input(Salt, [6f, 148f, float.NaN]);

        var digest = InferenceCommitment.Digest(new string('a', 64), input, 0.75);

        Assert.Equal(FrozenInput, Convert.ToHexStringLower(input));
        Assert.Equal(FrozenDigest, Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void Any_change_of_salt_input_model_or_output_changes_the_digest()
    {
        var input = InferenceCommitment.Input(Salt, [6f, 148f]);
        var digest = InferenceCommitment.Digest(new string('a', 64), input, 0.75);

        Assert.NotEqual(input, InferenceCommitment.Input(InferenceCommitment.NewSalt(), [6f, 148f]));
        Assert.NotEqual(input, InferenceCommitment.Input(Salt, [6f, 149f]));
        Assert.NotEqual(input, InferenceCommitment.Input(Salt, [6f, 148f, 0f]));
        Assert.NotEqual(digest, InferenceCommitment.Digest(new string('b', 64), input, 0.75));
        Assert.NotEqual(digest, InferenceCommitment.Digest(new string('a', 64), input, 0.7500001));
    }

    [Fact]
    public void A_salt_of_the_wrong_length_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => InferenceCommitment.Input(new byte[16], [1f]));

        Assert.Contains("32 bytes", e.Message, StringComparison.Ordinal);
    }

    // Computed independently (Python hashlib and struct) from the format in InferenceCommitment's documentation.
    private const string FrozenInput = "6ff2043ea809ad638cfdb73a17d5b5164e349141618104e06ac87f9dbe41032b";
    private const string FrozenDigest = "233322df492975047e49b5a1e47ba6c011d10555fb0e07d00aed26b87f0a455a";
}
