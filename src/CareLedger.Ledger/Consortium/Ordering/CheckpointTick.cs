namespace CareLedger.Ledger.Consortium.Ordering;

/// <summary>
/// A stream message that carries no transactions and asks every member to checkpoint what it applied (ADR 0005):
/// exactly one byte, 0x00 (a <see cref="TransactionBatch"/> starts with its version, 1). Published by a member that
/// sees uncovered transactions and no new message for a while, with Nats-Msg-Id <c>tick-&lt;last sequence&gt;</c>,
/// so that members ticking at the same moment store one tick.
/// </summary>
public static class CheckpointTick
{
    public static byte[] Encode() => [0x00];

    public static bool IsTick(ReadOnlySpan<byte> message) => message.Length == 1 && message[0] == 0x00;

    /// <summary>The Nats-Msg-Id of the tick published after stream message <paramref name="afterSequence"/>.</summary>
    public static string IdAfter(ulong afterSequence) => "tick-" + afterSequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
