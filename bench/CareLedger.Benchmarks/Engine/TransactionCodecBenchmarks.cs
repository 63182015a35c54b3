using BenchmarkDotNet.Attributes;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Benchmarks.Engine;

/// <summary>
/// The per-transaction work of a submission on the caller's thread, for a 1 KiB Anchor: strict canonical
/// decoding (with its re-encoding), payload decoding, and ECDSA P-256 verification with the cached public key.
/// </summary>
[MemoryDiagnoser]
public class TransactionCodecBenchmarks
{
    private AuthorKey key = null!;
    private SignedTransaction signed = null!;
    private byte[] encoded = null!;

    [GlobalSetup]
    public void Setup()
    {
        key = AuthorKey.Generate();
        var anchor = new AnchorPayload("audit-event", new byte[32], new byte[900]);
        signed = SignedTransaction.Sign(Transaction.Create(anchor, key.Id, TimeProvider.System), key);
        encoded = signed.Encoded.ToArray();
        Console.WriteLine($"// signed transaction: {encoded.Length} bytes");
    }

    [GlobalCleanup]
    public void Cleanup() => key.Dispose();

    [Benchmark]
    public SignedTransaction Decode() => SignedTransaction.Decode(encoded);

    [Benchmark]
    public ITransactionPayload DecodePayload() => TransactionPayloads.Decode(signed.Transaction);

    [Benchmark]
    public bool VerifySignature() => signed.VerifySignature(key.PublicKeySpki);

    [Benchmark]
    public SignedTransaction Sign() => SignedTransaction.Sign(signed.Transaction, key);
}
