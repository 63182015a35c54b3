using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using CareLedger.Fhir.Api;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Validation;
using CareLedger.Ledger.Consortium.Ordering;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.Receipts;
using CareLedger.Ledger.Transactions;
using CareLedger.Node;
using Hl7.Fhir.Model;

namespace CareLedger.LedgerApi;

/// <summary>
/// The ledger's public, read-only HTTP surface: what a verifier needs to check this member without trusting
/// it (checkpoints, keys, proofs, receipts). Nothing here can reveal a record: the log holds commitments only.
/// </summary>
internal static class LedgerEndpoints
{
    public static IEndpointRouteBuilder MapLedgerEndpoints(this IEndpointRouteBuilder app)
    {
        var ledger = app.MapGroup("/ledger");
        ledger.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (FhirProblemException problem)
            {
                return FhirHttp.Problem(context.HttpContext, problem);
            }
        });

        ledger.MapGet("/checkpoint", (CareLedgerNode node) =>
            node.Ledger.LatestCheckpoint is { } note
                ? Results.Text(note.ToString(), "text/plain; charset=utf-8")
                : throw Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, "no checkpoint has been signed yet"));

        ledger.MapGet("/keys", (CareLedgerNode node) => node.Ledger.State.Consortium is { } terms
            ? Results.Json(new
            {
                origin = terms.Origin,
                network = terms.Network,
                quorum = node.Ledger.State.QuorumAt(node.Ledger.Size),
                // A consortium's checkpoints carry only members' cosignatures: no member holds a key of the network's own.
                cosigners = node.Ledger.State.MembersAt(node.Ledger.Size).Select(m => m.CosignerVerifierKey),
                members = node.Ledger.State.MembersAt(node.Ledger.Size).Select(m => new { name = m.Name, organisation = m.Organisation, cosigner = m.CosignerVerifierKey }),
            })
            : Results.Json(new
            {
                origin = node.Config.Origin,
                log = node.Ledger.Keys.Log.VerifierKey.ToVkey(),
                cosigners = new[] { node.Ledger.Keys.Cosigner.VerifierKey.ToVkey() },
            }));

        // Authors (organisations, systems, later patients) submit transactions they signed themselves; the
        // signature is the authentication. The answer comes only once the transaction is committed: durable (fsynced)
        // here, and in a consortium covered by a checkpoint that a quorum of members cosigned.
        ledger.MapPost("/transactions", async (CareLedgerNode node, HttpRequest request, CancellationToken ct) =>
        {
            var body = await FhirHttp.ReadBodyAsync(request, MaxTransactionBytes, ct);
            var verdict = await CommitAsync(node, body, ct);
            return verdict.Problem is { } problem
                ? throw problem
                : Results.Json(Answer(verdict.Result!), statusCode: verdict.Status);
        })
        // The signature is the authentication: routing runs this endpoint at once, without the authentication, portal
        // and antiforgery middleware that follow it (7 % of a consortium member's CPU under the submission load, in perf).
        .ShortCircuit();

        // Many signed transactions in one request (a TransactionBatch, the stream's own message format), each judged and
        // committed on its own: the answer is one JSON line per transaction, written as soon as that transaction is
        // committed or refused, so a client times each to its own commit. A body that is not a batch is one 400
        // OperationOutcome and nothing is submitted.
        ledger.MapPost("/transactions/batch", async (CareLedgerNode node, HttpContext context, CancellationToken ct) =>
        {
            var body = await FhirHttp.ReadBodyAsync(context.Request, MaxBatchBytes, ct);
            TransactionBatch batch;
            try
            {
                batch = TransactionBatch.Decode(body);
            }
            catch (FormatException e)
            {
                throw Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"not a CareLedger transaction batch ({TransactionBatch.MediaType}): {e.Message}");
            }

            if (batch.Transactions.Count > MaxBatchTransactions)
            {
                throw Problem(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooCostly, $"the batch holds {batch.Transactions.Count} transactions; at most {MaxBatchTransactions} are accepted per request");
            }

            var verdicts = Channel.CreateUnbounded<(int Index, Task<Verdict> Verdict)>(new UnboundedChannelOptions { SingleReader = true });
            for (var i = 0; i < batch.Transactions.Count; i++)
            {
                var index = i;
                _ = CommitAsync(node, batch.Transactions[i], ct).ContinueWith(t => verdicts.Writer.TryWrite((index, t)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = BatchAnswerMediaType;
            await context.Response.StartAsync(ct);
            var output = context.Response.BodyWriter;
            using var json = new Utf8JsonWriter(output);
            var left = batch.Transactions.Count;
            while (left > 0 && await verdicts.Reader.WaitToReadAsync(ct))
            {
                // What completed together goes out in one flush.
                while (verdicts.Reader.TryRead(out var done))
                {
                    WriteVerdictLine(json, output, done.Index, done.Verdict);
                    left--;
                }

                await output.FlushAsync(ct);
            }

            return Results.Empty;
        })
        .ShortCircuit();

        ledger.MapGet("/transactions/{index:long}", (CareLedgerNode node, long index) =>
        {
            if (index < 0 || index >= node.Ledger.Size)
            {
                throw Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"no transaction at leaf index {index}; the log has {node.Ledger.Size}");
            }

            var signed = node.Ledger.ReadTransaction(index);
            var tx = signed.Transaction;
            return Results.Json(new
            {
                leafIndex = index,
                id = tx.Id.ToString(),
                type = tx.Type.ToString(),
                author = tx.Author.ToString(),
                time = tx.Time,
                leafHash = Convert.ToBase64String(Ledger.Merkle.Rfc9162.HashLeaf(signed.Encoded.Span)),
                encoded = Convert.ToBase64String(signed.Encoded.Span),
            });
        });

        ledger.MapGet("/receipts/{id}", async (CareLedgerNode node, string id, int? waitMs, CancellationToken ct) =>
        {
            long leafIndex;
            if (long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                leafIndex = index;
            }
            else if (TxId.TryParse(id, out var txId) && node.Ledger.State.TryGetLeafIndex(txId, out var found))
            {
                leafIndex = found;
            }
            else
            {
                throw Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"'{id}' is neither a leaf index nor the id of an applied transaction");
            }

            if (leafIndex < 0 || leafIndex >= node.Ledger.Size)
            {
                throw Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"no transaction at leaf index {leafIndex}");
            }

            var receipt = node.Ledger.GetReceipt(leafIndex);
            if (receipt is null && waitMs is > 0)
            {
                // A client that has just written may wait for the next checkpoint instead of polling.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Min(waitMs.Value, 30_000)));
                try
                {
                    await node.Ledger.WaitForCheckpointAsync(leafIndex, timeout.Token);
                    receipt = node.Ledger.GetReceipt(leafIndex);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }
            }

            return receipt is null
                ? throw Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"leaf {leafIndex} is durable but not yet covered by a signed checkpoint; retry shortly or pass ?waitMs=1000")
                : Results.Text(Receipts.ToJson(receipt), "application/json");
        });

        ledger.MapGet("/proofs/inclusion", (CareLedgerNode node, long? index, long? size) =>
        {
            var treeSize = size ?? node.Ledger.LatestCheckpoint.SizeOrZero();
            if (index is null || index < 0 || treeSize <= 0 || index >= treeSize || treeSize > node.Ledger.Size)
            {
                throw Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"need 0 <= index < size <= {node.Ledger.Size} (got index={index?.ToString(CultureInfo.InvariantCulture) ?? "none"}, size={treeSize})");
            }

            var proof = node.Ledger.GetInclusionProof(index.Value, treeSize);
            return Results.Json(new
            {
                leafIndex = proof.LeafIndex,
                treeSize = proof.TreeSize,
                rootHash = Convert.ToBase64String(node.Ledger.RootHash(treeSize)),
                path = proof.Path.Select(Convert.ToBase64String),
            });
        });

        ledger.MapGet("/proofs/consistency", (CareLedgerNode node, long? from, long? to) =>
        {
            var newSize = to ?? node.Ledger.LatestCheckpoint.SizeOrZero();
            if (from is null || from <= 0 || from > newSize || newSize > node.Ledger.Size)
            {
                throw Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"need 0 < from <= to <= {node.Ledger.Size} (got from={from?.ToString(CultureInfo.InvariantCulture) ?? "none"}, to={newSize})");
            }

            var proof = node.Ledger.GetConsistencyProof(from.Value, newSize);
            return Results.Json(new
            {
                oldSize = proof.OldSize,
                newSize = proof.NewSize,
                oldRootHash = Convert.ToBase64String(node.Ledger.RootHash(proof.OldSize)),
                newRootHash = Convert.ToBase64String(node.Ledger.RootHash(proof.NewSize)),
                path = proof.Path.Select(Convert.ToBase64String),
            });
        });

        // A consortium's member set as governance made it (ADR 0008): who is in force since which leaf, the quorum, the
        // open proposals with their votes. Public like the log it is derived from.
        // With ?at=N: the set and quorum that judge a checkpoint of size N (what a receipt of that size is verified against).
        ledger.MapGet("/consortium/members", (CareLedgerNode node, long? at) =>
        {
            var state = node.Ledger.State;
            var governance = state.Governance
                ?? throw Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, "this node is not a consortium member");
            if (at is < 1 || at > node.Ledger.Size)
            {
                throw Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"need 1 <= at <= {node.Ledger.Size} (got at={at})");
            }

            var size = at ?? long.MaxValue;
            return Results.Json(new
            {
                network = state.Consortium!.Network,
                size = at ?? node.Ledger.Size,
                quorum = state.QuorumAt(size),
                members = state.MembersAt(size).Select(m => new { name = m.Name, organisation = m.Organisation, cosigner = m.CosignerVerifierKey, sinceLeaf = m.FromLeaf }),
                history = governance.History.Select(m => new { name = m.Name, cosigner = m.CosignerVerifierKey, fromLeaf = m.FromLeaf, untilLeaf = m.UntilLeaf }),
                openProposals = governance.OpenProposals.Select(p => new
                {
                    id = p.Id.ToString(),
                    leaf = p.Leaf,
                    action = p.Payload.Action.ToString(),
                    subject = p.Payload.Subject,
                    quorum = p.Payload.Action == ProposalAction.Quorum ? p.Payload.Quorum : (int?)null,
                    proposer = p.Proposer,
                    approvals = p.Approvals,
                    rejections = p.Rejections,
                }),
            });
        });

        // What a member admitted by a vote bootstraps from (ADR 0010): this member's log up to its applied state, the
        // stream position there and its latest commit point. The joining member trusts none of it: it checks the
        // prefix against the quorum's root and replays it with the rules.
        ledger.MapGet("/consortium/snapshot", (CareLedgerNode node) =>
        {
            if (!node.Ledger.IsConsortium)
            {
                throw Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, "this node is not a consortium member");
            }

            try
            {
                return Results.Bytes(node.Ledger.ExportSnapshot().Encode(), Ledger.Consortium.Bootstrap.ConsortiumSnapshot.MediaType);
            }
            catch (InvalidOperationException e)
            {
                throw Problem(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient, e.Message);
            }
        });

        // Liveness, sizes and, for a consortium member, where it stands in its network, any alarm (HTTP 503 then) and any
        // fault it recovered from.
        app.MapGet("/health", (CareLedgerNode node) =>
        {
            var alarms = node.Ledger.Alarms;
            var status = node.Ledger.ConsortiumStatus;
            return Results.Json(
                new
                {
                    status = alarms.Count > 0 ? "alarm" : "ok",
                    origin = node.Ledger.Origin,
                    size = node.Ledger.Size,
                    checkpointSize = node.Ledger.LatestCheckpoint.SizeOrZero(),
                    consortium = status is null ? null : new
                    {
                        network = status.Network,
                        member = status.Member,
                        streamSequence = status.StreamSequence,
                        committedSize = status.CommittedSize,
                        ownCheckpointSize = node.Ledger.LatestOwnCheckpoint.SizeOrZero(),
                        connected = status.Connected,
                        pendingSubmissions = status.PendingSubmissions,
                        cosignaturesAhead = status.CosignaturesAhead,
                        lastError = status.LastError,
                    },
                    alarms = alarms.Select(a => new { kind = a.Kind, member = a.Member, description = a.Description, raisedAt = a.RaisedAt }),
                    // Faults this member recovered from by itself (ADR 0005): reported, not alarming; the status stays ok.
                    recovered = node.Ledger.Recoveries.Select(r => new
                    {
                        kind = r.Kind,
                        rolledBackTo = r.RolledBackTo,
                        droppedLeaves = r.DroppedLeaves,
                        contradictedSequence = r.ContradictedSequence,
                        description = r.Description,
                        recoveredAt = r.RecoveredAt,
                    }),
                },
                statusCode: alarms.Count > 0 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
        });

        // Prometheus text exposition: what an operator alerts on (a consortium alarm above all).
        app.MapGet("/metrics", (CareLedgerNode node) => Results.Text(LedgerMetrics.Render(node.Ledger), "text/plain; version=0.0.4; charset=utf-8"));

        return app;
    }

    /// <summary>What one submitted transaction came to: its status and either its result or the problem to answer with.</summary>
    private sealed record Verdict(int Status, SubmitResult? Result, FhirProblemException? Problem);

    /// <summary>Decodes one signed transaction, submits it and waits for its commit; every refusal becomes a verdict, never an exception.</summary>
    private static async Task<Verdict> CommitAsync(CareLedgerNode node, ReadOnlyMemory<byte> encoded, CancellationToken ct)
    {
        SignedTransaction signed;
        try
        {
            signed = SignedTransaction.Decode(encoded);
        }
        catch (InvalidTransactionException e)
        {
            return Refused(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"not a valid CareLedger transaction ({e.Code}): {e.Message}");
        }

        using var commitWait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        commitWait.CancelAfter(CommitTimeout);
        try
        {
            var result = await node.Ledger.SubmitAsync(signed, commitWait.Token);
            return new Verdict(result.AlreadyApplied ? StatusCodes.Status200OK : StatusCodes.Status201Created, result, null);
        }
        catch (TransactionRejectedException e)
        {
            return Refused(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.BusinessRule, $"transaction rejected ({e.Code}): {e.Message}");
        }
        catch (LedgerHaltedException e)
        {
            return Refused(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient, e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Refused(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Timeout,
                $"the transaction was not committed within {CommitTimeout.TotalSeconds:F0} s (is a quorum of members reachable?); submitting the same signed transaction again is safe: it is applied once");
        }

        static Verdict Refused(int status, OperationOutcome.IssueType code, string diagnostics) => new(status, null, Problem(status, code, diagnostics));
    }

    private static object Answer(SubmitResult result) => new
    {
        id = result.Id.ToString(),
        leafIndex = result.LeafIndex,
        leafHash = Convert.ToBase64String(result.LeafHash),
        alreadyApplied = result.AlreadyApplied,
    };

    /// <summary>
    /// One line of a batch's answer: <c>{"index":i,"status":201,"id":...,"leafIndex":...,"leafHash":...,"alreadyApplied":false}</c>
    /// as POST /ledger/transactions answers, or <c>{"index":i,"status":422,"outcome":{OperationOutcome}}</c>.
    /// </summary>
    private static void WriteVerdictLine(Utf8JsonWriter json, System.IO.Pipelines.PipeWriter output, int index, Task<Verdict> completed)
    {
        // CommitAsync turns every refusal into a verdict; what still faulted is the node's own failure (the engine stopped).
        var verdict = completed.IsCompletedSuccessfully
            ? completed.Result
            : new Verdict(StatusCodes.Status503ServiceUnavailable, null, Problem(StatusCodes.Status503ServiceUnavailable, OperationOutcome.IssueType.Transient,
                completed.Exception?.InnerException?.Message ?? "the ledger engine stopped"));
        json.Reset(output);
        json.WriteStartObject();
        json.WriteNumber("index", index);
        json.WriteNumber("status", verdict.Status);
        if (verdict.Result is { } result)
        {
            json.WriteString("id", result.Id.ToString());
            json.WriteNumber("leafIndex", result.LeafIndex);
            json.WriteBase64String("leafHash", result.LeafHash);
            json.WriteBoolean("alreadyApplied", result.AlreadyApplied);
        }
        else
        {
            json.WritePropertyName("outcome");
            json.WriteRawValue(FhirSerialization.ToJson(verdict.Problem!.Outcome), skipInputValidation: true);
        }

        json.WriteEndObject();
        json.Flush();
        System.Buffers.BuffersExtensions.Write(output, "\n"u8);
    }

    /// <summary>The answer of POST /ledger/transactions/batch: one JSON object per line, in the order the transactions were decided.</summary>
    public const string BatchAnswerMediaType = "application/x-ndjson";

    /// <summary>How many transactions one batch request may carry (the most one stream message carries by default).</summary>
    public const int MaxBatchTransactions = 1024;

    private const int MaxBatchBytes = 8 * 1024 * 1024;

    /// <summary>How long POST /ledger/transactions waits for the commit before answering 503 (the caller may resubmit).</summary>
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(30);

    private const int MaxTransactionBytes = 64 * 1024;

    internal static long SizeOrZero(this SignedNote? note) => note is null ? 0 : Checkpoint.Parse(note.Text).Size;

    /// <summary>Errors on every endpoint of the node have one shape: a FHIR OperationOutcome (as on /fhir).</summary>
    private static FhirProblemException Problem(int status, OperationOutcome.IssueType code, string diagnostics) =>
        new(status, code, diagnostics);
}
