using System.Text;
using CareLedger.Ledger.Receipts;
using ReceiptsApi = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Ledger.Tests.Receipts;

/// <summary>
/// A receipt is only as good as its weakest bit. These tests flip every bit of a small receipt, both in its
/// serialized JSON and in each decoded binary field, and require that verification fails (or parsing throws).
/// All signatures are required here: a signer that a verifier does not require may be ignored by design
/// (signed-note ignores unknown keys), so flipping its name would rightly go unnoticed at a lower threshold.
/// </summary>
public class ReceiptTamperingTests
{
    private const int Cosigners = 1;
    private const int RequiredSignatures = 1 + Cosigners;

    [Fact]
    public void Flipping_any_bit_of_the_serialized_json_fails_parsing_or_verification()
    {
        using var fixture = new ReceiptFixture(transactions: 5, cosigners: Cosigners);
        var json = ReceiptsApi.ToJson(fixture.ReceiptFor(3));
        var bytes = Encoding.UTF8.GetBytes(json);
        var strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var accepted = new List<string>();

        for (var i = 0; i < bytes.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                bytes[i] ^= (byte)(1 << bit);
                try
                {
                    var receipt = ReceiptsApi.Parse(strictUtf8.GetString(bytes));
                    if (ReceiptsApi.Verify(receipt, fixture.TrustedKeys, RequiredSignatures).Valid)
                        accepted.Add($"byte {i} ('{(char)(bytes[i] ^ (1 << bit))}') bit {bit}");
                }
                catch (Exception e) when (e is FormatException or DecoderFallbackException)
                {
                    // Rejected while decoding or parsing: the flip is caught.
                }
                finally
                {
                    bytes[i] ^= (byte)(1 << bit);
                }
            }
        }

        Assert.Empty(accepted);
        Assert.True(ReceiptsApi.Verify(ReceiptsApi.Parse(json), fixture.TrustedKeys, RequiredSignatures).Valid);
    }

    [Fact]
    public void Flipping_any_bit_of_any_decoded_field_fails_verification()
    {
        using var fixture = new ReceiptFixture(transactions: 7, cosigners: Cosigners);
        var receipt = fixture.ReceiptFor(5);
        var trusted = fixture.TrustedKeys;
        bool Valid(Receipt r) => ReceiptsApi.Verify(r, trusted, RequiredSignatures).Valid;
        Assert.True(Valid(receipt));

        ForEveryBitFlip(receipt.Transaction, flipped => Assert.False(Valid(receipt with { Transaction = flipped })));
        for (var element = 0; element < receipt.InclusionPath.Count; element++)
        {
            var index = element;
            ForEveryBitFlip(receipt.InclusionPath[index], flipped =>
            {
                var path = receipt.InclusionPath.ToArray();
                path[index] = flipped;
                Assert.False(Valid(receipt with { InclusionPath = path }));
            });
        }

        // Every bit of every character of the checkpoint note: its text (origin, size, root), the signature
        // lines' names, key ids and signature bytes all travel in this one string.
        var checkpoint = receipt.Checkpoint;
        for (var i = 0; i < checkpoint.Length; i++)
        {
            for (var bit = 0; bit < 16; bit++)
            {
                var chars = checkpoint.ToCharArray();
                chars[i] = (char)(chars[i] ^ (1 << bit));
                Assert.False(Valid(receipt with { Checkpoint = new string(chars) }), $"checkpoint char {i} bit {bit}");
            }
        }

        for (long index = 0; index < receipt.TreeSize + 2; index++)
        {
            if (index != receipt.LeafIndex)
                Assert.False(Valid(receipt with { LeafIndex = index }));
        }

        foreach (var size in new long[] { 0, receipt.TreeSize - 1, receipt.TreeSize + 1, receipt.TreeSize * 2 })
            Assert.False(Valid(receipt with { TreeSize = size }));
        Assert.False(Valid(receipt with { InclusionPath = receipt.InclusionPath.Take(receipt.InclusionPath.Count - 1).ToArray() }));
        Assert.False(Valid(receipt with { InclusionPath = [.. receipt.InclusionPath, receipt.InclusionPath[0]] }));
    }

    private static void ForEveryBitFlip(byte[] original, Action<byte[]> check)
    {
        for (var i = 0; i < original.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var flipped = (byte[])original.Clone();
                flipped[i] ^= (byte)(1 << bit);
                check(flipped);
            }
        }
    }
}
