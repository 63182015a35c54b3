using System.Formats.Cbor;

namespace CareLedger.Ledger.Transactions;

/// <summary>
/// A member's vote on a consortium proposal (ADR 0008), authored by the member's organisation key. Canonical CBOR
/// {1: network (text), 2: proposal (the proposal's transaction id, bstr 16), 3: approve (bool)}.
/// </summary>
public sealed record ConsortiumVotePayload(string Network, TxId Proposal, bool Approve) : ITransactionPayload
{
    private const string Name = "ConsortiumVote payload";

    public TxType Type => TxType.ConsortiumVote;

    public byte[] Encode()
    {
        FieldRules.ThrowIfProblem(ConsortiumGenesisPayload.NetworkProblem(Network), Name);
        var writer = CanonicalCbor.NewWriter();
        writer.WriteStartMap(3);
        writer.WriteUInt32(1);
        writer.WriteTextString(Network);
        writer.WriteUInt32(2);
        writer.WriteByteString(Proposal.ToArray());
        writer.WriteUInt32(3);
        writer.WriteBoolean(Approve);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static ConsortiumVotePayload Decode(ReadOnlySpan<byte> payload)
    {
        var data = payload.ToArray();
        return CanonicalCbor.Decode(data, Name, reader => Read(reader, data), vote => vote.Encode());
    }

    private static ConsortiumVotePayload Read(CborReader reader, ReadOnlyMemory<byte> data)
    {
        CanonicalCbor.ReadMapStart(reader, Name, 3, 3);
        CanonicalCbor.ExpectKey(reader, 1, Name, "network");
        var network = CanonicalCbor.ReadText(reader, Name, "network", ConsortiumGenesisPayload.MaxNetworkLength);
        FieldRules.RejectIfProblem(ConsortiumGenesisPayload.NetworkProblem(network), Name);
        CanonicalCbor.ExpectKey(reader, 2, Name, "proposal");
        var proposal = TxId.FromBytes(CanonicalCbor.ReadBytes(reader, data, Name, "proposal", TxId.Length, TxId.Length).Span);
        CanonicalCbor.ExpectKey(reader, 3, Name, "approve");
        if (reader.PeekState() != CborReaderState.Boolean)
        {
            throw new InvalidTransactionException(TransactionErrors.InvalidField, $"{Name}: approve is not a boolean");
        }

        var approve = reader.ReadBoolean();
        reader.ReadEndMap();
        return new ConsortiumVotePayload(network, proposal, approve);
    }
}
