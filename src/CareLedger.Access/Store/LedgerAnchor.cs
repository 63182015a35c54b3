using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Store;

/// <summary>
/// The ledger <c>Anchor</c> transaction that anchors one event of a registry (a break-glass opening, a delegation's grant
/// or revocation); <see cref="LeafIndex"/> is null while the transaction waits to be (re)submitted.
/// </summary>
/// <param name="Event">"break-glass", "delegation-grant" or "delegation-revoke".</param>
public sealed record LedgerAnchor(string Event, TxId Transaction, long? LeafIndex);
