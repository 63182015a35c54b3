using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Tests.Store;

/// <summary>Key changes a test makes on the ledger, as the organisation would.</summary>
internal static class LedgerKeys
{
    public static async Task RevokeAsync(LedgerEngine ledger, KeyId key)
    {
        var organisation = ledger.Keys.Organisation;
        var revoke = SignedTransaction.Sign(Transaction.Create(new KeyRevokedPayload(key), organisation.Id, TimeProvider.System), organisation);
        await ledger.SubmitAsync(revoke);
    }
}
