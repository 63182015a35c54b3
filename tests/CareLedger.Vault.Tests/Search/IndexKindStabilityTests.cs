using CareLedger.Vault.Search;

namespace CareLedger.Vault.Tests.Search;

public sealed class IndexKindStabilityTests
{
    // Persisted in the index tables: this golden list may only ever grow.
    [Fact]
    public void Persisted_index_kind_values_never_change()
    {
        Assert.Equal(
            [("Token", 1), ("BlindedToken", 2), ("Number", 3), ("Date", 4), ("Reference", 5)],
            Enum.GetValues<IndexKind>().Select(k => (k.ToString(), (int)k)));
    }
}
