using System.Runtime.CompilerServices;
using CareLedger.Ledger.Transactions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace CareLedger.Ledger.Consortium.Ordering;

/// <summary>
/// Orders batches of signed transactions through one JetStream stream per network: every member publishes to it and
/// reads it back in stream order. The stream only orders; members apply, flush and cosign before anything commits.
/// </summary>
public sealed class JetStreamOrderer
{
    private readonly NatsJSContext jetStream;
    private readonly INatsConnection connection;

    public JetStreamOrderer(INatsConnection connection, JetStreamOrdererOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Replicas < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Replicas, "A stream needs at least one replica.");
        if (options.DuplicateWindow <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), options.DuplicateWindow, "The duplicate window must be positive.");
        jetStream = new NatsJSContext(connection);
        this.connection = connection;
        Options = options;
    }

    public JetStreamOrdererOptions Options { get; }

    /// <summary>Creates the stream, or finds it if it exists with the same configuration.</summary>
    /// <exception cref="InvalidOperationException">the stream exists with another configuration, or the server refused it.</exception>
    public async ValueTask EnsureStreamAsync(CancellationToken cancellationToken = default)
    {
        var config = new StreamConfig(Options.StreamName, [Options.Subject])
        {
            NumReplicas = Options.Replicas,
            Storage = StreamConfigStorage.File,
            DuplicateWindow = Options.DuplicateWindow,
            Retention = StreamConfigRetention.Limits,
            DenyDelete = true,
            DenyPurge = true,
        };
        try
        {
            await jetStream.CreateStreamAsync(config, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e)
        {
            throw new InvalidOperationException($"JetStream stream '{Options.StreamName}' could not be created or does not match the expected configuration: {e.Error.Description} (code {e.Error.ErrCode}).", e);
        }
    }

    /// <summary>
    /// Publishes <paramref name="transactions"/> as one message whose Nats-Msg-Id is <paramref name="batchId"/>, by
    /// default <see cref="TransactionBatch.IdOf"/>. A member that may publish the same transactions again on purpose
    /// (a client retried) passes an id of its own per batch, kept across the retries of that batch.
    /// </summary>
    public async ValueTask<PublishedBatch> PublishAsync(IReadOnlyList<SignedTransaction> transactions, string? batchId = null, CancellationToken cancellationToken = default)
    {
        var payload = TransactionBatch.Of(transactions).Encode();
        batchId ??= TransactionBatch.IdOf(transactions);
        var ack = await jetStream.PublishAsync(
            Options.Subject,
            payload,
            NatsRawSerializer<byte[]>.Default,
            new NatsJSPubOpts { MsgId = batchId },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (ack.Error is { } error)
            throw new InvalidOperationException($"JetStream refused batch {batchId}: {error.Description} (code {error.ErrCode}).");
        return new PublishedBatch(batchId, ack.Seq, ack.Duplicate);
    }

    /// <summary>
    /// Heartbeats every 2 s: a consumer whose server paused or lost the stream's leadership is noticed (no heartbeat)
    /// and recreated from the next sequence within seconds, not after the client's default half minute.
    /// </summary>
    internal static readonly NatsJSConsumeOpts ConsumeOptions = new() { MaxMsgs = 1000, IdleHeartbeat = TimeSpan.FromSeconds(2), Expires = TimeSpan.FromSeconds(10) };

    /// <summary>Publishes a <see cref="CheckpointTick"/> after stream message <paramref name="afterSequence"/> (de-duplicated by that sequence).</summary>
    public async ValueTask<PublishedBatch> PublishTickAsync(ulong afterSequence, CancellationToken cancellationToken = default)
    {
        var id = CheckpointTick.IdAfter(afterSequence);
        var ack = await jetStream.PublishAsync(
            Options.Subject,
            CheckpointTick.Encode(),
            NatsRawSerializer<byte[]>.Default,
            new NatsJSPubOpts { MsgId = id },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (ack.Error is { } error)
            throw new InvalidOperationException($"JetStream refused tick {id}: {error.Description} (code {error.ErrCode}).");
        return new PublishedBatch(id, ack.Seq, ack.Duplicate);
    }

    /// <summary>The SHA-256 of the stream's message <paramref name="sequence"/> as stored now, or null when the stream has no such message.</summary>
    public async ValueTask<byte[]?> MessageHashAsync(ulong sequence, CancellationToken cancellationToken = default)
    {
        var request = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, ulong> { ["seq"] = sequence });
        var reply = await connection.RequestAsync<byte[], byte[]>(
            $"$JS.API.STREAM.MSG.GET.{Options.StreamName}", request, requestSerializer: NatsRawSerializer<byte[]>.Default, replySerializer: NatsRawSerializer<byte[]>.Default,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        using var document = System.Text.Json.JsonDocument.Parse(reply.Data ?? []);
        if (document.RootElement.TryGetProperty("error", out var error))
        {
            // 10037: no message found.
            return error.TryGetProperty("err_code", out var code) && code.GetInt32() == 10037
                ? null
                : throw new InvalidOperationException($"JetStream could not read message {sequence} of stream '{Options.StreamName}': {error}");
        }

        var message = document.RootElement.GetProperty("message");
        var data = message.TryGetProperty("data", out var encoded) ? Convert.FromBase64String(encoded.GetString() ?? "") : [];
        return System.Security.Cryptography.SHA256.HashData(data);
    }

    /// <summary>The sequence of the stream's last message (0 when it is empty).</summary>
    public async ValueTask<ulong> LastSequenceAsync(CancellationToken cancellationToken = default)
    {
        var stream = await jetStream.GetStreamAsync(Options.StreamName, cancellationToken: cancellationToken).ConfigureAwait(false);
        return stream.Info.State.LastSeq;
    }

    /// <summary>
    /// Reads the stream in order from <paramref name="fromSequence"/> (1 is the first message) with an ordered
    /// consumer, waiting for new batches until cancelled. Checkpoint ticks are skipped.
    /// </summary>
    /// <exception cref="FormatException">a message is not a <see cref="TransactionBatch"/>; its stream sequence is named.</exception>
    public async IAsyncEnumerable<OrderedBatch> ReadFromAsync(ulong fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var message in ReadMessagesFromAsync(fromSequence, cancellationToken).ConfigureAwait(false))
        {
            if (CheckpointTick.IsTick(message.Data))
                continue;
            TransactionBatch batch;
            try
            {
                batch = TransactionBatch.Decode(message.Data);
            }
            catch (FormatException e)
            {
                throw new FormatException($"Stream '{Options.StreamName}' message {message.Sequence}: {e.Message}", e);
            }

            yield return new OrderedBatch(message.Sequence, batch.Transactions);
        }
    }

    /// <summary>Reads the stream's messages as stored, in order from <paramref name="fromSequence"/>, until cancelled.</summary>
    public async IAsyncEnumerable<StreamMessage> ReadMessagesFromAsync(ulong fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (fromSequence < 1)
            throw new ArgumentOutOfRangeException(nameof(fromSequence), fromSequence, "Stream sequences start at 1.");
        var consumer = await jetStream.CreateOrderedConsumerAsync(
            Options.StreamName,
            new NatsJSOrderedConsumerOpts
            {
                DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
                OptStartSeq = fromSequence,
                FilterSubjects = [Options.Subject],
            },
            cancellationToken).ConfigureAwait(false);
        await foreach (var message in consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, ConsumeOptions, cancellationToken).ConfigureAwait(false))
        {
            var metadata = message.Metadata
                ?? throw new InvalidOperationException($"A message from stream '{Options.StreamName}' has no JetStream metadata.");
            yield return new StreamMessage(metadata.Sequence.Stream, metadata.Timestamp, message.Data ?? []);
        }
    }
}
