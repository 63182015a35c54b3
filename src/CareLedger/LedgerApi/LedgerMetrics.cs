using System.Globalization;
using System.Text;
using CareLedger.Ledger.Engine;

namespace CareLedger.LedgerApi;

/// <summary>The node's metrics in the Prometheus text format (names only about the ledger; no personal data, no labels from input).</summary>
internal static class LedgerMetrics
{
    public static string Render(LedgerEngine ledger)
    {
        var text = new StringBuilder();
        Gauge(text, "careledger_ledger_size", "Durable, applied transactions (leaves of the tree).", ledger.Size);
        Gauge(text, "careledger_ledger_checkpoint_size", "Size of the latest checkpoint that receipts are made against.", ledger.LatestCheckpoint.SizeOrZero());
        if (ledger.ConsortiumStatus is { } status)
        {
            Gauge(text, "careledger_consortium_own_checkpoint_size", "Size of the latest checkpoint this member cosigned.", ledger.LatestOwnCheckpoint.SizeOrZero());
            Gauge(text, "careledger_consortium_committed_size", "Transactions covered by a checkpoint that a quorum of members cosigned.", status.CommittedSize);
            Gauge(text, "careledger_consortium_stream_sequence", "The last stream message this member applied.", (long)status.StreamSequence);
            Gauge(text, "careledger_consortium_connected", "1 while this member's NATS connection is open.", status.Connected ? 1 : 0);
            Gauge(text, "careledger_consortium_pending_submissions", "Local submissions not yet seen in the stream.", status.PendingSubmissions);
            Gauge(text, "careledger_consortium_alarm", "1 once this member raised an alarm (equivocation, divergence, stream contradicting the log) and halted writes.", ledger.Alarms.Count > 0 ? 1 : 0);
            text.AppendLine("# HELP careledger_consortium_alarms_total Alarms raised since the member started, by kind.");
            text.AppendLine("# TYPE careledger_consortium_alarms_total counter");
            foreach (var kind in new[] { LedgerAlarm.Equivocation, LedgerAlarm.Divergence, LedgerAlarm.Inconsistency, LedgerAlarm.StreamContradictsLog })
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"careledger_consortium_alarms_total{{kind=\"{kind}\"}} {ledger.Alarms.Count(a => a.Kind == kind)}");
            }

            text.AppendLine("# HELP careledger_consortium_recoveries_total Faults this member recovered from without halting since it started, by kind (stream-rollback: the stream replaced a suffix it had applied but never cosigned).");
            text.AppendLine("# TYPE careledger_consortium_recoveries_total counter");
            text.AppendLine(CultureInfo.InvariantCulture, $"careledger_consortium_recoveries_total{{kind=\"{LedgerRecovery.StreamRollback}\"}} {ledger.Recoveries.Count(r => r.Kind == LedgerRecovery.StreamRollback)}");
        }

        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, long value)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"# HELP {name} {help}");
        text.AppendLine(CultureInfo.InvariantCulture, $"# TYPE {name} gauge");
        text.AppendLine(CultureInfo.InvariantCulture, $"{name} {value}");
    }
}
