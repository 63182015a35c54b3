using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Engine;

public class CredentialLedgerTests
{
    [Fact]
    public async Task Credential_statuses_pass_the_engine_survive_restart_and_verify()
    {
        using var directory = new TempDirectory("credentials");
        var options = TestLedger.QuietOptions(directory);
        using var board = AuthorKey.Generate();
        var id = CredentialStatusPayload.HashCredentialId("urn:uuid:2c8f3a61-0d4e-4b7a-9e21-5f6a7b8c9d0e");
        var validUntil = DateTimeOffset.UtcNow.AddYears(1).ToUnixTimeMilliseconds();
        SignedTransaction ByBoard(CredentialStatusKind kind) =>
            SignedTransaction.Sign(Transaction.Create(new CredentialStatusPayload(id, kind, new byte[32], validUntil), board.Id, TimeProvider.System), board);

        SubmitResult revoked;
        await using (var engine = await TestLedger.InitializeAsync(options))
        {
            await engine.SubmitAsync(SignedTransaction.Sign(
                Transaction.Create(new KeyRegisteredPayload(board.PublicKeySpki, KeyRoles.CredentialIssuer, "Medical Board"), engine.Keys.Organisation.Id, TimeProvider.System),
                engine.Keys.Organisation));
            await engine.SubmitAsync(ByBoard(CredentialStatusKind.Issued));
            revoked = await engine.SubmitAsync(ByBoard(CredentialStatusKind.Revoked));
            var twice = await Assert.ThrowsAsync<TransactionRejectedException>(() => engine.SubmitAsync(ByBoard(CredentialStatusKind.Revoked)).AsTask());
            Assert.Equal(RejectionCodes.AlreadyRevoked, twice.Code);
        }

        await using (var reopened = await LedgerEngine.OpenAsync(options, CancellationToken.None))
        {
            var credential = reopened.State.FindCredential(id)!;
            Assert.Equal((CredentialStatusKind.Revoked, revoked.LeafIndex), (credential.Status, credential.Leaf));
        }

        var report = await LedgerEngine.VerifyAsync(options.DataDirectory, null, CancellationToken.None);
        Assert.True(report.Ok, report.FirstProblem?.ToString());
        Assert.Equal(4, report.Count("transactions"));
    }
}
