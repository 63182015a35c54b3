using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Merkle;
using ReceiptsApi = CareLedger.Ledger.Receipts.Receipts;

namespace CareLedger.Ledger.Tests.Receipts;

/// <summary>
/// The example of docs/receipts.md, frozen: a receipt written by this format version must verify forever, and
/// must print back byte for byte. Golden vectors only ever grow.
/// </summary>
public class ReceiptGoldenTests
{
    private const string LogVkey = "ledger.example-hospital.org+81c3ff07+AYmEAGzbpMuqPDY1I2AkunX7ykdZzUOq+U763yej7H5c";
    private const string CosignerVkey = "ledger.example-lab.org/cosigner+032d7f76+BOk59HbWQhN4IAZMTfeHPjk780bTVG1zwzzZeM4k1ck2";

    private const string DocumentedReceipt = """
        {
          "format": "careledger-receipt/v1",
          "transaction": "ZXhhbXBsZSBzaWduZWQgdHJhbnNhY3Rpb24gMg==",
          "leafIndex": 2,
          "treeSize": 5,
          "inclusionPath": [
            "Gxhfxugqf6pQ6wc8uSeXIlMe7aDXxAacw97SzN7Rjtc=",
            "BjJRnxS4S4Pn8eCX2xEWeeGM8yszPzr5hnZk/H0YkHs=",
            "Rhzzqr+NMhjOHcbjQZ/KS3rrd0qj9dCP2UeynBMpn1o="
          ],
          "checkpoint": "ledger.example-hospital.org\n5\nkT1I1UObYlzSZqE5ObPkbufSdM7hw5RUo1ZcDjSySiY=\n\n— ledger.example-hospital.org gcP/Bwfk1Pi1pG3IJwvSL4Yw0726+kiGDZzXy5LF/W+5fXd/Q5Bfj8Qzhj/bRaGkn4pc5e7EPqgqG2styBCkdJ94vA8=\n— ledger.example-lab.org/cosigner Ay1/dgAAAABpJPGAMsGa40xVGXydmmTG0+gu1o+rXMgSNUNx40B4jIUXJBZsJTYGOwPmQUaj3Hmft5HVtcfBS/2ahZq6Bn4vemqxBQ==\n"
        }

        """;

    [Fact]
    public void The_documented_receipt_verifies_with_both_documented_keys()
    {
        var receipt = ReceiptsApi.Parse(DocumentedReceipt);
        var verification = ReceiptsApi.Verify(receipt, [VerifierKey.Parse(LogVkey), VerifierKey.Parse(CosignerVkey)], requiredSignatures: 2);
        Assert.True(verification.Valid, verification.Error);
        Assert.Equal(["ledger.example-hospital.org", "ledger.example-lab.org/cosigner"], verification.VerifiedSigners);
        Assert.Equal(DocumentedReceipt, ReceiptsApi.ToJson(receipt));
    }

    [Fact]
    public void The_documented_hashes_and_cosignature_time_are_what_the_document_says()
    {
        var receipt = ReceiptsApi.Parse(DocumentedReceipt);
        var note = SignedNote.Parse(receipt.Checkpoint);
        Assert.Equal("1f4c1f884906ccef71cbf3925dc8ba4863e79623c9fa428ad536b0c8fd804b6f", Convert.ToHexStringLower(Rfc9162.HashLeaf(receipt.Transaction)));
        Assert.Equal("913d48d5439b625cd266a13939b3e46ee7d274cee1c39454a3565c0e34b24a26", Convert.ToHexStringLower(Checkpoint.Parse(note.Text).RootHash));
        Assert.True(CosignatureV1.TryReadTimestamp(note.Signatures[1].Signature, out var time));
        Assert.Equal(DateTimeOffset.Parse("2025-11-25T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.FromUnixTimeSeconds(time));
    }
}
