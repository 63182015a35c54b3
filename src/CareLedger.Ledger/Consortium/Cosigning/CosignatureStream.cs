using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CareLedger.Ledger.Checkpoints;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace CareLedger.Ledger.Consortium.Cosigning;

/// <summary>
/// The second stream of a network (ADR 0005): every member's cosignatures, one subject per member
/// (<c>careledger.&lt;network&gt;.cosig.&lt;key id&gt;</c>), so that a member that starts reads the latest cosignature of
/// each member and then everything new, and two cosignatures of one member over different roots meet in one place.
/// (Ordered consumers of nats-server 2.9 ignore subject filters; this stream holds cosignatures only, so none is needed.)
/// </summary>
public sealed class CosignatureStream
{
    /// <summary>Cosignatures are evidence for a day; the commit points each member stores keep what receipts need.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private readonly INatsConnection connection;
    private readonly NatsJSContext jetStream;
    private readonly int replicas;

    public CosignatureStream(INatsConnection connection, string network, int replicas)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        this.connection = connection;
        jetStream = new NatsJSContext(connection);
        Network = network;
        this.replicas = replicas;
    }

    public string Network { get; }

    public string StreamName => $"careledger-{Network}-cosig";

    public string AllSubjects => $"careledger.{Network}.cosig.*";

    public string SubjectOf(VerifierKey cosigner) => $"careledger.{Network}.cosig.{cosigner.KeyId:x8}";

    public async ValueTask EnsureStreamAsync(CancellationToken cancellationToken = default)
    {
        var config = new StreamConfig(StreamName, [AllSubjects])
        {
            NumReplicas = replicas,
            Storage = StreamConfigStorage.File,
            Retention = StreamConfigRetention.Limits,
            MaxAge = Retention,
            DuplicateWindow = TimeSpan.FromMinutes(2),
            DenyDelete = true,
            DenyPurge = true,
        };
        try
        {
            await jetStream.CreateStreamAsync(config, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e)
        {
            throw new InvalidOperationException($"JetStream stream '{StreamName}' could not be created or does not match the expected configuration: {e.Error.Description} (code {e.Error.ErrCode}).", e);
        }
    }

    /// <summary>Publishes one member's cosigned note on that member's subject; the same note published twice is stored once.</summary>
    public async ValueTask PublishAsync(SignedNote note, VerifierKey cosigner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(cosigner);
        var bytes = Encoding.UTF8.GetBytes(note.ToString());
        var ack = await jetStream.PublishAsync(
            SubjectOf(cosigner),
            bytes,
            NatsRawSerializer<byte[]>.Default,
            new NatsJSPubOpts { MsgId = Convert.ToHexStringLower(SHA256.HashData(bytes)) },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (ack.Error is { } error)
            throw new InvalidOperationException($"JetStream refused a cosignature: {error.Description} (code {error.ErrCode}).");
    }

    /// <summary>
    /// The latest cosigned note of the member whose cosigner key is <paramref name="cosigner"/>, with its stream
    /// sequence, or null when it never published one. (The stream's "last by subject" get: nats-server 2.9 has no
    /// consumer that starts at the last message of each subject of a wildcard.)
    /// </summary>
    public async ValueTask<(ulong Sequence, SignedNote? Note)?> LatestOfAsync(VerifierKey cosigner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cosigner);
        var request = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["last_by_subj"] = SubjectOf(cosigner) });
        var reply = await connection.RequestAsync<byte[], byte[]>(
            $"$JS.API.STREAM.MSG.GET.{StreamName}", request, requestSerializer: NatsRawSerializer<byte[]>.Default, replySerializer: NatsRawSerializer<byte[]>.Default,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(reply.Data ?? []);
        if (document.RootElement.TryGetProperty("error", out var error))
        {
            // 10037: no message found.
            return error.TryGetProperty("err_code", out var code) && code.GetInt32() == 10037
                ? null
                : throw new InvalidOperationException($"JetStream could not read the latest cosignature of {cosigner.Name}: {error}");
        }

        var message = document.RootElement.GetProperty("message");
        var data = message.TryGetProperty("data", out var encoded) ? Convert.FromBase64String(encoded.GetString() ?? "") : [];
        return (message.GetProperty("seq").GetUInt64(), ParseNote(data));
    }

    /// <summary>
    /// Reads cosigned notes in stream order after <paramref name="afterSequence"/> (0: from the first), waiting for
    /// new ones until cancelled. A message that is not a signed note yields a null note.
    /// </summary>
    public async IAsyncEnumerable<(ulong Sequence, SignedNote? Note)> ReadAsync(ulong afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var options = new NatsJSOrderedConsumerOpts { DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence, OptStartSeq = afterSequence + 1, FilterSubjects = [AllSubjects] };
        var consumer = await jetStream.CreateOrderedConsumerAsync(StreamName, options, cancellationToken).ConfigureAwait(false);
        await foreach (var message in consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, Ordering.JetStreamOrderer.ConsumeOptions, cancellationToken).ConfigureAwait(false))
        {
            yield return (message.Metadata?.Sequence.Stream ?? 0, ParseNote(message.Data ?? []));
        }
    }

    private static SignedNote? ParseNote(byte[] data)
    {
        try
        {
            return SignedNote.Parse(Encoding.UTF8.GetString(data));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }
    }
}
