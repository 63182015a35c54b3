using Microsoft.AspNetCore.Builder;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium.Ordering;
using CareLedger.LedgerApi;
using CareLedger.Ledger.Merkle;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;
using CareLedger.Tests.Support;

namespace CareLedger.Tests.LedgerApi;

/// <summary>The ledger's HTTP API on a real Kestrel host: what a verifier fetches verifies, and bad requests change nothing.</summary>
public sealed class LedgerEndpointsTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private CareLedgerNode _node = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _node = await CareLedgerNode.InitializeAsync(NodePaths.For(_dir.Combine("node")), "api.test/ledger", "Test Hospital", CancellationToken.None);
        _app = NodeHost.Build(_node, "http://127.0.0.1:0");
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(NodeHost.BoundAddresses(_app)[0]) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _node.DisposeAsync();
        _dir.Dispose();
    }

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Submitted_transactions_get_receipts_and_proofs_that_verify_against_the_published_checkpoint()
    {
        for (var i = 0; i < 20; i++)
        {
            using var response = await PostAsync(Anchor().Encoded.ToArray());
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await _node.Ledger.WaitForCheckpointAsync(20);
        var keys = await _http.GetFromJsonAsync<JsonElement>("/ledger/keys");
        var logKey = VerifierKey.Parse(keys.GetProperty("log").GetString()!);
        var note = SignedNote.Parse(await _http.GetStringAsync("/ledger/checkpoint"));
        Assert.True(NoteVerifier.Verify(note, [logKey]).Valid);
        var checkpoint = Checkpoint.Parse(note.Text);

        var inclusion = await _http.GetFromJsonAsync<JsonElement>($"/ledger/proofs/inclusion?index=7&size={checkpoint.Size}");
        var transaction = await _http.GetFromJsonAsync<JsonElement>("/ledger/transactions/7");
        var leafHash = Convert.FromBase64String(transaction.GetProperty("leafHash").GetString()!);
        Assert.Equal(Rfc9162.HashLeaf(Convert.FromBase64String(transaction.GetProperty("encoded").GetString()!)), leafHash);
        var path = inclusion.GetProperty("path").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!)).ToList();
        Assert.True(new InclusionProof(7, checkpoint.Size, path).Verify(leafHash, checkpoint.RootHash));

        var consistency = await _http.GetFromJsonAsync<JsonElement>($"/ledger/proofs/consistency?from=5&to={checkpoint.Size}");
        var oldRoot = Convert.FromBase64String(consistency.GetProperty("oldRootHash").GetString()!);
        var consistencyPath = consistency.GetProperty("path").EnumerateArray().Select(p => Convert.FromBase64String(p.GetString()!)).ToList();
        Assert.True(new ConsistencyProof(5, checkpoint.Size, consistencyPath).Verify(oldRoot, checkpoint.RootHash));
        Assert.False(new ConsistencyProof(5, checkpoint.Size, consistencyPath).Verify(new byte[32], checkpoint.RootHash));
    }

    [Fact]
    public async Task A_replayed_transaction_is_applied_once_and_answered_with_its_first_leaf()
    {
        var tx = Anchor().Encoded.ToArray();
        using var first = await PostAsync(tx);
        using var replay = await PostAsync(tx);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var a = await first.Content.ReadFromJsonAsync<JsonElement>();
        var b = await replay.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(a.GetProperty("leafIndex").GetInt64(), b.GetProperty("leafIndex").GetInt64());
        Assert.True(b.GetProperty("alreadyApplied").GetBoolean());
        Assert.Equal(2, _node.Ledger.Size);
    }

    [Theory]
    [InlineData("garbage", HttpStatusCode.BadRequest)]
    [InlineData("flipped-signature", HttpStatusCode.UnprocessableEntity)]
    [InlineData("unknown-author", HttpStatusCode.UnprocessableEntity)]
    [InlineData("oversize", HttpStatusCode.RequestEntityTooLarge)]
    public async Task Bad_transactions_get_an_OperationOutcome_and_change_nothing(string kind, HttpStatusCode expected)
    {
        var rootBefore = _node.Ledger.RootHash(_node.Ledger.Size);
        var sizeBefore = _node.Ledger.Size;
        byte[] body = kind switch
        {
            "garbage" => "not cbor"u8.ToArray(),
            "flipped-signature" => FlipLastByte(Anchor().Encoded.ToArray()),
            "unknown-author" => AnchorBy(Ledger.Crypto.AuthorKey.Generate()).Encoded.ToArray(),
            _ => new byte[70_000],
        };

        using var response = await PostAsync(body);

        await AssertRefusedAndUnchangedAsync(response, expected, sizeBefore, rootBefore);
    }

    [Fact]
    public async Task A_batch_answers_each_transaction_on_its_own_line_and_commits_only_the_valid_ones()
    {
        var valid = Enumerable.Range(0, 5).Select(_ => Anchor()).ToArray();
        var flipped = FlipLastByte(Anchor().Encoded.ToArray());
        var unknownAuthor = AnchorBy(Ledger.Crypto.AuthorKey.Generate()).Encoded.ToArray();
        var sizeBefore = _node.Ledger.Size;
        byte[][] bodies = [valid[0].Encoded.ToArray(), "not cbor"u8.ToArray(), valid[1].Encoded.ToArray(), flipped, valid[2].Encoded.ToArray(), unknownAuthor, valid[3].Encoded.ToArray(), valid[4].Encoded.ToArray(), valid[0].Encoded.ToArray()];

        using var response = await PostBatchAsync(EncodeBatch(bodies));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToDictionary(line => line.GetProperty("index").GetInt32());
        Assert.Equal(bodies.Length, lines.Count);
        Assert.Equal(400, lines[1].GetProperty("status").GetInt32());
        Assert.Equal(422, lines[3].GetProperty("status").GetInt32());
        Assert.Equal(422, lines[5].GetProperty("status").GetInt32());
        foreach (var refused in new[] { 1, 3, 5 })
        {
            Assert.Equal("OperationOutcome", lines[refused].GetProperty("outcome").GetProperty("resourceType").GetString());
            Assert.False(string.IsNullOrWhiteSpace(lines[refused].GetProperty("outcome").GetProperty("issue")[0].GetProperty("diagnostics").GetString()));
        }

        // Each valid transaction's line names its own leaf, where the log holds exactly that transaction.
        foreach (var (index, tx) in new[] { (0, valid[0]), (2, valid[1]), (4, valid[2]), (6, valid[3]), (7, valid[4]) })
        {
            Assert.Contains(lines[index].GetProperty("status").GetInt32(), new[] { 201, 200 });
            Assert.Equal(tx.Transaction.Id.ToString(), lines[index].GetProperty("id").GetString());
            var leaf = lines[index].GetProperty("leafIndex").GetInt64();
            Assert.Equal(tx.Encoded.ToArray(), _node.Ledger.ReadTransaction(leaf).Encoded.ToArray());
        }

        // The same transaction twice in one batch is applied once: both lines name one leaf.
        Assert.Equal(lines[0].GetProperty("leafIndex").GetInt64(), lines[8].GetProperty("leafIndex").GetInt64());
        Assert.True(lines[0].GetProperty("alreadyApplied").GetBoolean() ^ lines[8].GetProperty("alreadyApplied").GetBoolean());
        Assert.Equal(sizeBefore + valid.Length, _node.Ledger.Size);
    }

    [Theory]
    [InlineData("not-a-batch", HttpStatusCode.BadRequest)]
    [InlineData("cut-short", HttpStatusCode.BadRequest)]
    [InlineData("trailing-bytes", HttpStatusCode.BadRequest)]
    [InlineData("too-many", HttpStatusCode.RequestEntityTooLarge)]
    public async Task A_malformed_batch_is_one_OperationOutcome_and_changes_nothing(string kind, HttpStatusCode expected)
    {
        var sizeBefore = _node.Ledger.Size;
        var rootBefore = _node.Ledger.RootHash(sizeBefore);
        var good = EncodeBatch([Anchor().Encoded.ToArray(), Anchor().Encoded.ToArray()]);
        byte[] body = kind switch
        {
            "not-a-batch" => Anchor().Encoded.ToArray(),
            "cut-short" => good[..^10],
            "trailing-bytes" => [.. good, 0x00],
            _ => EncodeBatch(Enumerable.Range(0, LedgerEndpoints.MaxBatchTransactions + 1).Select(_ => Anchor().Encoded.ToArray()).ToArray()),
        };

        using var response = await PostBatchAsync(body);

        await AssertRefusedAndUnchangedAsync(response, expected, sizeBefore, rootBefore);
    }

    [Theory]
    [InlineData("/ledger/proofs/inclusion?index=5&size=1")]
    [InlineData("/ledger/proofs/inclusion")]
    [InlineData("/ledger/proofs/consistency?from=0&to=1")]
    [InlineData("/ledger/proofs/consistency?from=1&to=99")]
    public async Task Impossible_proof_requests_are_refused_with_an_OperationOutcome(string url)
    {
        using var response = await _http.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("OperationOutcome", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_transactions_and_receipts_are_not_found()
    {
        using var tx = await _http.GetAsync(new Uri("/ledger/transactions/99", UriKind.Relative));
        using var receipt = await _http.GetAsync(new Uri($"/ledger/receipts/{TxId.NewId(TimeProvider.System)}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, tx.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, receipt.StatusCode);
    }

    /// <summary>A refusal: the expected status, an OperationOutcome that says why, and the ledger exactly as before.</summary>
    private async Task AssertRefusedAndUnchangedAsync(HttpResponseMessage response, HttpStatusCode expected, long sizeBefore, byte[] rootBefore)
    {
        Assert.Equal(expected, response.StatusCode);
        var outcome = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        Assert.False(string.IsNullOrWhiteSpace(outcome.GetProperty("issue")[0].GetProperty("diagnostics").GetString()));
        Assert.Equal(sizeBefore, _node.Ledger.Size);
        Assert.Equal(rootBefore, _node.Ledger.RootHash(_node.Ledger.Size));
    }

    private async Task<HttpResponseMessage> PostAsync(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        return await _http.PostAsync(new Uri("/ledger/transactions", UriKind.Relative), content);
    }

    private async Task<HttpResponseMessage> PostBatchAsync(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(TransactionBatch.MediaType);
        return await _http.PostAsync(new Uri("/ledger/transactions/batch", UriKind.Relative), content);
    }

    /// <summary>The batch format (version 1, u32 count, u32 length + bytes each), written here so that invalid transactions can be carried too.</summary>
    private static byte[] EncodeBatch(byte[][] transactions)
    {
        var bytes = new List<byte> { TransactionBatch.Version };
        bytes.AddRange(BitConverter.GetBytes((uint)transactions.Length));
        foreach (var transaction in transactions)
        {
            bytes.AddRange(BitConverter.GetBytes((uint)transaction.Length));
            bytes.AddRange(transaction);
        }

        return [.. bytes];
    }

    private SignedTransaction Anchor() => AnchorBy(_node.Ledger.Keys.Node);

    private static SignedTransaction AnchorBy(Ledger.Crypto.AuthorKey author) => SignedTransaction.Sign(
        Transaction.Create(new AnchorPayload("api-test", System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), []), author.Id, TimeProvider.System),
        author);

    private static byte[] FlipLastByte(byte[] bytes)
    {
        bytes[^1] ^= 0x01;
        return bytes;
    }
}
