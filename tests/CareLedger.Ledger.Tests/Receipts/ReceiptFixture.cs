using System.Text;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.Receipts;

namespace CareLedger.Ledger.Tests.Receipts;

/// <summary>A small log of opaque transactions with a log key and cosigners, for receipts.</summary>
internal sealed class ReceiptFixture : IDisposable
{
    public const string Origin = "careledger.example/test-log";

    public ReceiptFixture(int transactions, int cosigners)
    {
        Transactions = [.. Enumerable.Range(0, transactions).Select(i => Encoding.ASCII.GetBytes($"signed-transaction-{i:D4}"))];
        Tree = MerkleTree.CreateInMemory();
        foreach (var transaction in Transactions)
            Tree.Append(Rfc9162.HashLeaf(transaction));
        LogKey = NoteSigningKey.Generate(Origin);
        Cosigners = [.. Enumerable.Range(0, cosigners).Select(i => CosignerKey.Generate($"member{i}.example/cosigner"))];

        var text = new Checkpoint(Origin, Tree.Size, Tree.RootHash()).ToNoteText();
        var note = new SignedNote(text).WithSignature(LogKey.Sign(text));
        foreach (var cosigner in Cosigners)
            note = note.WithSignature(cosigner.Cosign(text, DateTimeOffset.FromUnixTimeSeconds(1_760_000_000)));
        Note = note;
    }

    public byte[][] Transactions { get; }

    public MerkleTree Tree { get; }

    public NoteSigningKey LogKey { get; }

    public CosignerKey[] Cosigners { get; }

    public SignedNote Note { get; }

    public VerifierKey[] TrustedKeys => [LogKey.VerifierKey, .. Cosigners.Select(c => c.VerifierKey)];

    public Receipt ReceiptFor(int leafIndex) =>
        CareLedger.Ledger.Receipts.Receipts.Create(Transactions[leafIndex], leafIndex, Tree.GetInclusionProof(leafIndex, Tree.Size), Note);

    public void Dispose()
    {
        Tree.Dispose();
        LogKey.Dispose();
        foreach (var cosigner in Cosigners)
            cosigner.Dispose();
    }
}
