using CareLedger.Ledger.Transactions;

namespace CareLedger.Node;

/// <summary>
/// Checks the vault against the ledger: every committed version the vault holds must be committed on the ledger
/// with the same commitment, and the ledger must not hold more live versions by this member than the vault does.
/// This catches what the vault cannot see alone — a row rolled back to an older valid ciphertext, a version or a
/// whole resource deleted, a commitment edited — because the ledger's copy is signed and Merkle-anchored.
/// </summary>
internal static class VaultLedgerAudit
{
    public static VaultAuditReport Run(CareLedgerNode node, IProgress<(long Done, long Total)>? progress = null)
    {
        var versions = node.Vault.CommittedVersions();
        var histories = new Dictionary<(string, string), IReadOnlyList<(long LeafIndex, RecordCommitment Record)>>();
        var checkedCount = 0L;
        foreach (var version in versions)
        {
            var key = (version.ResourceType, version.Id);
            if (!histories.TryGetValue(key, out var history))
            {
                history = node.Ledger.State.RecordHistory(node.Vault.RecordRef(version.ResourceType, version.Id));
                histories[key] = history;
            }

            var where = $"{version.ResourceType}/{version.Id} version {version.Version}";
            var onLedger = history.FirstOrDefault(h => h.Record.Version == (uint)version.Version);
            if (onLedger.Record is null)
            {
                return VaultAuditReport.Failed(checkedCount, $"{where} is in the vault but was never committed on the ledger");
            }

            if (!onLedger.Record.Commitment.AsSpan().SequenceEqual(version.Commitment))
            {
                return VaultAuditReport.Failed(checkedCount, $"{where}: the vault's commitment differs from the one on the ledger at leaf {onLedger.LeafIndex}");
            }

            if (version.Deleted != (onLedger.Record.Operation == RecordOperation.Delete))
            {
                return VaultAuditReport.Failed(checkedCount, $"{where}: the vault and the ledger disagree on whether it is a deletion");
            }

            checkedCount++;
            if (checkedCount % 1000 == 0)
            {
                progress?.Report((checkedCount, versions.Count));
            }
        }

        // This member's records are signed by its node key, or by the custodial keys of its patients and their delegates
        // (their own Consents), which this member's organisation key registered.
        var organisation = node.Ledger.Keys.Organisation.Id;
        var onLedgerCount = node.Ledger.State.Keys
            .Where(k => k.Id == node.Ledger.Keys.Node.Id
                        || (KeyRoles.IsBoundToPatient(k.Role) && node.Ledger.ReadTransaction(k.RegisteredLeaf).Transaction.Author == organisation))
            .Sum(k => node.Ledger.State.LiveRecordVersionCount(k.Id));
        if (onLedgerCount != versions.Count)
        {
            return VaultAuditReport.Failed(checkedCount,
                $"the ledger commits {onLedgerCount} live record versions by this member but the vault holds {versions.Count}: versions were removed from the vault");
        }

        progress?.Report((checkedCount, versions.Count));
        return new VaultAuditReport(checkedCount, null);
    }
}

internal sealed record VaultAuditReport(long VersionsChecked, string? Problem)
{
    public bool Ok => Problem is null;

    public static VaultAuditReport Failed(long checkedCount, string problem) => new(checkedCount, problem);
}
