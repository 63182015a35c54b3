using System.CommandLine;
using CareLedger.Ai;
using CareLedger.Cli;
using CareLedger.Fhir;
using CareLedger.Node;
using CareLedger.Tests.Support;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Tests.Ai;

/// <summary><c>careledger ai load-demo-data</c> and <c>careledger model …</c> run in process on a node's data directory, as the executable runs them.</summary>
public sealed class ModelCommandsTests : IDisposable
{
    private readonly TempDirectory directory = new();

    private string Data => directory.Combine("data");

    [Fact]
    public async Task Load_train_and_verify_succeed_and_a_changed_model_file_fails_verification_with_exit_code_2()
    {
        await using (var node = await CareLedgerNode.InitializeAsync(NodePaths.For(Data), "careledger.test/ai-cli", "CLI Hospital", CancellationToken.None))
        {
            await node.Fhir.UpdateAsync(FhirCaller.Custodian("CLI Hospital", "tests"), "Practitioner", "dr-cli", new Practitioner { Id = "dr-cli" }, null, CancellationToken.None);
        }

        Assert.Equal(0, await RunAsync("ai", "load-demo-data", "--data", Data, "--dataset", "pima", "--rows", "40", "--practitioner", "Practitioner/dr-cli"));
        Assert.Equal(0, await RunAsync("model", "train", "--data", Data, "--dataset", "pima", "--folds", "5"));
        Assert.Equal(0, await RunAsync("model", "verify", "--data", Data));
        Assert.Equal(0, await RunAsync("model", "show", "pima-logistic-regression", "--data", Data));
        Assert.Equal(1, await RunAsync("model", "show", "no-such-model", "--data", Data));
        Assert.Equal(1, await RunAsync("model", "train", "--data", Data, "--dataset", "pima", "--folds", "5"));

        Assert.Equal(0, await RunAsync("model", "list", "--data", Data));
        Assert.Equal(1, await RunAsync("model", "inference", "no-such-inference", "--data", Data));
        Assert.Equal(1, await RunAsync("model", "gate", "--data", Data, "--min-auroc", "1.5"));
        Assert.Equal(0, await RunAsync("model", "gate", "--data", Data, "--min-auroc", "0.99", "--max-equalized-odds-difference", "none"));
        Assert.Equal(0, await RunAsync("model", "verify", "--data", Data));

        // Relaxing the gate by editing its file is refused like a changed model: it is not the policy set on the ledger.
        var policy = Path.Combine(AiServices.ModelsDirectoryOf(NodePaths.For(Data)), "gate-policy.json");
        var anchored = await File.ReadAllTextAsync(policy);
        await File.WriteAllTextAsync(policy, anchored.Replace("0.99", "0.5", StringComparison.Ordinal));
        Assert.Equal(2, await RunAsync("model", "verify", "--data", Data));
        Assert.Equal(2, await RunAsync("model", "gate", "--data", Data));
        await File.WriteAllTextAsync(policy, anchored);
        Assert.Equal(0, await RunAsync("model", "verify", "--data", Data));

        var file = Path.Combine(AiServices.ModelsDirectoryOf(NodePaths.For(Data)), "pima-logistic-regression@1.0.0", "model.zip");
        await File.AppendAllTextAsync(file, "tampered");

        Assert.Equal(2, await RunAsync("model", "verify", "--data", Data));
        Assert.Equal(2, await RunAsync("model", "verify", "pima-logistic-regression@1.0.0", "--data", Data));
    }

    [Fact]
    public async Task An_unknown_data_set_is_a_user_error()
    {
        Assert.Equal(1, await RunAsync("model", "train", "--data", Data, "--dataset", "mnist"));
    }

    private static async Task<int> RunAsync(params string[] args)
    {
        var root = new RootCommand("careledger (AI commands)") { ModelCommands.Create(), AiCommands.Create() };
        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return CareLedgerCli.Fail(e);
        }
    }

    public void Dispose() => directory.Dispose();
}
