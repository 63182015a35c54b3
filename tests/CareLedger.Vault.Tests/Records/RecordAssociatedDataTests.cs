using CareLedger.Vault.Records;

namespace CareLedger.Vault.Tests.Records;

public sealed class RecordAssociatedDataTests
{
    [Fact]
    public void Layout_is_frozen_as_format_1()
    {
        var aad = RecordAssociatedData.Build("organisation"u8, "Observation", "o-1", 3, deleted: true, lastUpdatedUnixMs: 0x0102030405060708);

        Assert.Equal(
            "01" + "000C" + Convert.ToHexString("organisation"u8) + "000B" + Convert.ToHexString("Observation"u8)
            + "0003" + Convert.ToHexString("o-1"u8) + "00000003" + "01" + "0102030405060708",
            Convert.ToHexString(aad));
    }

    [Fact]
    public void Every_bound_field_changes_the_associated_data()
    {
        var baseline = Convert.ToHexString(RecordAssociatedData.Build("a"u8, "Patient", "p", 1, false, 10));
        string[] variants =
        [
            Convert.ToHexString(RecordAssociatedData.Build("b"u8, "Patient", "p", 1, false, 10)),
            Convert.ToHexString(RecordAssociatedData.Build("a"u8, "Person", "p", 1, false, 10)),
            Convert.ToHexString(RecordAssociatedData.Build("a"u8, "Patient", "q", 1, false, 10)),
            Convert.ToHexString(RecordAssociatedData.Build("a"u8, "Patient", "p", 2, false, 10)),
            Convert.ToHexString(RecordAssociatedData.Build("a"u8, "Patient", "p", 1, true, 10)),
            Convert.ToHexString(RecordAssociatedData.Build("a"u8, "Patient", "p", 1, false, 11)),
        ];

        Assert.DoesNotContain(baseline, variants);
        Assert.Equal(variants.Length, variants.Distinct().Count());
    }
}
