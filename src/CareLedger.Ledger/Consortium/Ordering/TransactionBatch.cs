using System.Buffers.Binary;
using System.Security.Cryptography;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Consortium.Ordering;

/// <summary>
/// Signed transactions ordered as one stream message: version byte 1, u32 count, then per transaction u32 length and
/// its encoded bytes; integers little-endian, nothing after the last transaction. Also the body of a batch
/// submission (POST /ledger/transactions/batch), so a client's batch and a stream message are one format.
/// </summary>
public sealed class TransactionBatch
{
    public const byte Version = 1;

    /// <summary>The media type of an encoded batch in an HTTP body.</summary>
    public const string MediaType = "application/vnd.careledger.transaction-batch";

    /// <summary>Bounds the work one message can demand of a decoder; far above what a 1 MiB NATS payload can hold.</summary>
    public const int MaxTransactions = 65_536;

    private const int HeaderSize = 1 + sizeof(uint);

    private TransactionBatch(IReadOnlyList<ReadOnlyMemory<byte>> transactions) => Transactions = transactions;

    /// <summary>Each transaction's encoded bytes, in order; decoding and checking them is the engine's job.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Transactions { get; }

    public static TransactionBatch Of(IReadOnlyList<SignedTransaction> transactions)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        if (transactions.Count == 0 || transactions.Count > MaxTransactions)
            throw new ArgumentException($"A batch holds 1 to {MaxTransactions} transactions, not {transactions.Count}.", nameof(transactions));
        return new TransactionBatch(transactions.Select(t => t.Encoded).ToArray());
    }

    /// <summary>
    /// The hex SHA-256 of the transactions' leaf hashes in order: a retried publish of the same transactions carries
    /// the same id, so JetStream (Nats-Msg-Id) stores it once; a different transaction reusing an id does not collide.
    /// </summary>
    public static string IdOf(IReadOnlyList<SignedTransaction> transactions)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var leaves = new byte[transactions.Count * Merkle.Rfc9162.HashSize];
        for (var i = 0; i < transactions.Count; i++)
            Merkle.Rfc9162.HashLeaf(transactions[i].Encoded.Span).CopyTo(leaves, i * Merkle.Rfc9162.HashSize);
        return Convert.ToHexStringLower(SHA256.HashData(leaves));
    }

    public byte[] Encode()
    {
        var bytes = new byte[HeaderSize + Transactions.Sum(t => sizeof(uint) + t.Length)];
        bytes[0] = Version;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(1), (uint)Transactions.Count);
        var offset = HeaderSize;
        foreach (var transaction in Transactions)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), (uint)transaction.Length);
            transaction.Span.CopyTo(bytes.AsSpan(offset + sizeof(uint)));
            offset += sizeof(uint) + transaction.Length;
        }

        return bytes;
    }

    /// <summary>Decodes a batch strictly; <see cref="FormatException"/> names what is wrong.</summary>
    public static TransactionBatch Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderSize)
            throw new FormatException($"Malformed transaction batch: {bytes.Length} bytes are shorter than the {HeaderSize}-byte header.");
        if (bytes[0] != Version)
            throw new FormatException($"Malformed transaction batch: version {bytes[0]} is not {Version}.");
        var count = BinaryPrimitives.ReadUInt32LittleEndian(bytes[1..]);
        if (count is 0 or > MaxTransactions)
            throw new FormatException($"Malformed transaction batch: {count} transactions; a batch holds 1 to {MaxTransactions}.");

        var transactions = new ReadOnlyMemory<byte>[count];
        var offset = HeaderSize;
        for (var i = 0; i < transactions.Length; i++)
        {
            if (bytes.Length - offset < sizeof(uint))
                throw new FormatException($"Malformed transaction batch: it ends before the length of transaction {i + 1} of {count}.");
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
            offset += sizeof(uint);
            if (length is 0 or > SignedTransaction.MaxEncodedBytes)
                throw new FormatException($"Malformed transaction batch: transaction {i + 1} is {length} bytes; 1 to {SignedTransaction.MaxEncodedBytes} are allowed.");
            if (bytes.Length - offset < length)
                throw new FormatException($"Malformed transaction batch: transaction {i + 1} of {count} is cut short.");
            transactions[i] = bytes.Slice(offset, (int)length).ToArray();
            offset += (int)length;
        }

        if (offset != bytes.Length)
            throw new FormatException($"Malformed transaction batch: {bytes.Length - offset} bytes follow the last transaction.");
        return new TransactionBatch(transactions);
    }
}
