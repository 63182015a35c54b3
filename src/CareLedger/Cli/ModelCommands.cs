using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using CareLedger.Access.Gate;
using CareLedger.Ai;
using CareLedger.Ai.Data;
using CareLedger.Ai.Registry;
using CareLedger.Ai.Training;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Training;
using CareLedger.Fhir;
using CareLedger.Fhir.Errors;
using CareLedger.Node;
using Spectre.Console;

namespace CareLedger.Cli;

/// <summary>
/// <c>careledger model train|register-onnx|list|show|verify|gate|override|inference</c>: the model registry on the ledger
/// (A1), training on consented data through the access layer, the deployment gate and its signed override (A5), and the
/// proof of a logged inference (A4). Each acts on a node's data directory while the node is not serving.
/// </summary>
internal static class ModelCommands
{
    /// <summary>The command line trains as a researcher of the custodian: the door applies research consent (HRESCH) to it like to anyone.</summary>
    internal const string ResearcherSubject = "careledger-cli:model";

    public static Command Create()
    {
        var command = new Command("model", "Models on the ledger: train on consented data, register, verify, override the deployment gate, prove an inference.");
        command.Subcommands.Add(Train());
        command.Subcommands.Add(RegisterOnnx());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Gate());
        command.Subcommands.Add(Override());
        command.Subcommands.Add(Inference());
        return command;
    }

    /// <summary>The research caller the command line reads training data as (purpose HRESCH, reads only).</summary>
    internal static FhirCaller Researcher(CareLedgerNode node) =>
        new(new Accessor(ResearcherSubject, CareLedgerRole.Researcher, null, node.Config.OrganisationName, null, ReadOnlyScopes.Instance),
            new AccessContext(PurposeDefaults.Research));

    private static Command Train()
    {
        var data = CareLedgerCli.DataOption();
        var dataset = DatasetOption();
        var kind = new Option<string>("--kind") { Description = "logistic-regression or fast-tree.", DefaultValueFactory = _ => "logistic-regression" };
        var name = new Option<string?>("--name") { Description = "The model's name (lowercase, digits, hyphens); default '<data set>-<kind>'." };
        var version = new Option<string>("--version") { Description = "The model's version; each version is registered once.", DefaultValueFactory = _ => "1.0.0" };
        var folds = new Option<int>("--folds") { Description = "Stratified cross-validation folds.", DefaultValueFactory = _ => 10 };
        var command = new Command("train", "Train on the data of consenting patients (read through the access layer for research), cross-validate, audit bias, register on the ledger.")
        {
            data, dataset, kind, name, version, folds,
        };
        command.SetAction(async (parse, ct) =>
        {
            var set = Explained(() => FeatureSets.Find(parse.GetValue(dataset)!));
            var modelKind = parse.GetValue(kind) switch
            {
                "logistic-regression" => ModelKind.LogisticRegression,
                "fast-tree" => ModelKind.FastTree,
                var other => throw new CliException($"--kind '{other}' is not logistic-regression or fast-tree"),
            };
            var modelName = parse.GetValue(name) ?? $"{set.Id}-{parse.GetValue(kind)}";
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            using var ai = AiServices.Create(node);
            var request = new TrainingRequest(set, modelKind, modelName, parse.GetValue(version)!, parse.GetValue(folds));
            var result = await ExplainedAsync(() => ai.Training.TrainAsync(Researcher(node), request, ct));
            PrintCard(result.Model);
            PrintGate(result.Gate);
            return 0;
        });
        return command;
    }

    private static Command RegisterOnnx()
    {
        var data = CareLedgerCli.DataOption();
        var file = new Argument<FileInfo>("FILE") { Description = "The .onnx model: one float input [N, features], output [N, 1] (p) or [N, 2] (1 - p, p)." };
        var dataset = DatasetOption();
        var name = new Option<string>("--name") { Description = "The model's name (lowercase, digits, hyphens).", Required = true };
        var version = new Option<string>("--version") { Description = "The model's version.", DefaultValueFactory = _ => "1.0.0" };
        var command = new Command("register-onnx", "Register an ONNX model an institution brings: validated on this member's consented cohort, card anchored on the ledger.")
        {
            data, file, dataset, name, version,
        };
        command.SetAction(async (parse, ct) =>
        {
            var onnx = parse.GetValue(file)!;
            if (!onnx.Exists)
            {
                throw new CliException($"no such file: {onnx.FullName}");
            }

            var set = Explained(() => FeatureSets.Find(parse.GetValue(dataset)!));
            var bytes = await File.ReadAllBytesAsync(onnx.FullName, ct);
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            using var ai = AiServices.Create(node);
            var result = await ExplainedAsync(() => ai.Training.RegisterOnnxAsync(Researcher(node), set, bytes, parse.GetValue(name)!, parse.GetValue(version)!, ct));
            PrintCard(result.Model);
            PrintGate(result.Gate);
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var data = CareLedgerCli.DataOption();
        var command = new Command("list", "List the registered models, whether each still verifies, and whether it may serve.") { data };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            using var ai = AiServices.Create(node);
            // Plain lines, not a table: model ids and hashes must survive a narrow terminal and copy and paste.
            var ids = ai.Registry.Ids();
            if (ids.Count == 0)
            {
                Console.WriteLine("no models registered; train one with 'careledger model train --dataset pima'");
            }

            foreach (var id in ids)
            {
                var verification = ai.Registry.Verify(id);
                RegisteredModel? model = null;
                try
                {
                    model = ai.Registry.Get(id);
                }
                catch (ModelIntegrityException)
                {
                    // Shown as not verifying.
                }

                var deployable = verification.Deployable ? (verification.Gate.Passed ? "deployable" : "deployable by a signed override") : "not deployable";
                Console.WriteLine(model is null
                    ? $"{id}  REFUSED: {string.Join("; ", verification.Problems)}"
                    : string.Create(CultureInfo.InvariantCulture,
                        $"{id}  {Kind(model.Card.Kind)}  AUROC {model.Card.Metrics.MeanAuroc:0.0000}  sha256 {model.Card.ModelSha256[..16]}…  leaf {model.Registration.LeafIndex}  " +
                        $"{(verification.Intact ? "verifies" : "REFUSED")}  {deployable}  {ai.Log.CountFor(id)} inferences"));
            }

            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var data = CareLedgerCli.DataOption();
        var id = ModelArgument();
        var json = new Option<bool>("--json") { Description = "Print the model card's canonical JSON (what the ledger anchors) instead of a summary." };
        var command = new Command("show", "Show a model's card: hash, training data, cohort, metrics, intended use, bias audit, gate.") { data, id, json };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            using var ai = AiServices.Create(node);
            var model = Explained(() => ai.Registry.Get(parse.GetValue(id)!));
            if (parse.GetValue(json))
            {
                Console.WriteLine(model.Card.ToJson());
                return 0;
            }

            PrintCard(model);
            PrintBias(model.Card);
            var verification = ai.Registry.Verify(model.Id);
            PrintGate(verification.Gate);
            Console.WriteLine($"bias report: {model.BiasReportPath}");
            return 0;
        });
        return command;
    }

    private static Command Verify()
    {
        var data = CareLedgerCli.DataOption();
        var id = new Argument<string?>("MODEL") { Description = "name@version, or a name for its latest version; all models when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("verify", "Hold models to the ledger: the file hashes to the card, the card is the anchored one, any override is signed and anchored. Exit 2 if not.") { data, id };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            using var ai = AiServices.Create(node);
            var ids = parse.GetValue(id) is { } one ? [Explained(() => ai.Registry.Verify(one)).Id] : ai.Registry.Ids();
            var failed = 0;
            foreach (var model in ids)
            {
                var verification = ai.Registry.Verify(model);
                if (verification.Intact)
                {
                    var gate = verification.Deployable ? verification.Gate.Passed ? "deployable" : "deployable by a signed override" : "not deployable: " + string.Join("; ", verification.Gate.Reasons);
                    Console.WriteLine($"{model}: verified against the ledger ({gate})");
                }
                else
                {
                    failed++;
                    Console.WriteLine($"{model}: REFUSED: {string.Join("; ", verification.Problems)}");
                }
            }

            return failed == 0 ? 0 : throw new CliException($"{failed} of {ids.Count} models do not verify; they are refused everywhere", 2);
        });
        return command;
    }

    private static Command Gate()
    {
        var data = CareLedgerCli.DataOption();
        var minAuroc = Limit("--min-auroc", "Lowest cross-validated mean AUROC (default 0.80).");
        var maxEod = Limit("--max-equalized-odds-difference", "Highest equalised odds difference for every audited attribute (default 0.10).");
        var maxDpd = Limit("--max-demographic-parity-difference", "Highest demographic parity difference for every audited attribute (default: not checked).");
        var maxEce = Limit("--max-calibration-error", "Highest expected calibration error (default: not checked).");
        var minGroupAuroc = Limit("--min-subgroup-auroc", "Lowest AUROC of any subgroup where it is defined (default: not checked).");
        var command = new Command("gate",
            "Show the deployment gate every model must pass (or carry a signed override for); with options, set it: the new policy is anchored on the ledger. 'none' removes a limit.")
        {
            data, minAuroc, maxEod, maxDpd, maxEce, minGroupAuroc,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            using var ai = AiServices.Create(node);
            if (ai.Registry.PolicyProblem is { } problem)
            {
                throw new CliException(problem, 2);
            }

            var changes = new[] { minAuroc, maxEod, maxDpd, maxEce, minGroupAuroc }.Where(o => parse.GetResult(o) is not null).ToList();
            if (changes.Count > 0)
            {
                var policy = ai.Registry.Policy;
                policy = policy with
                {
                    MinAuroc = parse.GetResult(minAuroc) is null ? policy.MinAuroc : ParseLimit(parse.GetValue(minAuroc), "--min-auroc") ?? throw new CliException("--min-auroc cannot be 'none'"),
                    MaxEqualizedOddsDifference = parse.GetResult(maxEod) is null ? policy.MaxEqualizedOddsDifference : ParseLimit(parse.GetValue(maxEod), "--max-equalized-odds-difference"),
                    MaxDemographicParityDifference = parse.GetResult(maxDpd) is null ? policy.MaxDemographicParityDifference : ParseLimit(parse.GetValue(maxDpd), "--max-demographic-parity-difference"),
                    MaxExpectedCalibrationError = parse.GetResult(maxEce) is null ? policy.MaxExpectedCalibrationError : ParseLimit(parse.GetValue(maxEce), "--max-calibration-error"),
                    MinSubgroupAuroc = parse.GetResult(minGroupAuroc) is null ? policy.MinSubgroupAuroc : ParseLimit(parse.GetValue(minGroupAuroc), "--min-subgroup-auroc"),
                };
                var setting = await ai.Registry.SetPolicyAsync(policy, ct);
                Console.WriteLine($"deployment gate set, anchored in transaction {setting.Transaction} at leaf {setting.LeafIndex}");
            }

            PrintPolicy(ai.Registry);
            return 0;
        });
        return command;
    }

    private static Option<string?> Limit(string name, string description) => new(name) { Description = description + " A number in [0, 1], or none." };

    private static double? ParseLimit(string? text, string option)
    {
        if (text is "none")
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1
            ? value
            : throw new CliException($"{option} must be a number between 0 and 1, or none; got '{text}'");
    }

    private static void PrintPolicy(ModelRegistry registry)
    {
        var p = registry.Policy;
        string Show(double? limit) => limit?.ToString("0.0###", CultureInfo.InvariantCulture) ?? "not checked";
        Console.WriteLine(registry.Setting is { } setting
            ? $"deployment gate (set on the ledger in transaction {setting.Transaction}, leaf {setting.LeafIndex}):"
            : "deployment gate (the default; never set on this node):");
        Console.WriteLine($"  cross-validated AUROC              ≥ {Show(p.MinAuroc)}");
        Console.WriteLine($"  equalised odds difference          ≤ {Show(p.MaxEqualizedOddsDifference)}");
        Console.WriteLine($"  demographic parity difference      ≤ {Show(p.MaxDemographicParityDifference)}");
        Console.WriteLine($"  expected calibration error         ≤ {Show(p.MaxExpectedCalibrationError)}");
        Console.WriteLine($"  AUROC of every subgroup            ≥ {Show(p.MinSubgroupAuroc)}");
    }

    private static Command Override()
    {
        var data = CareLedgerCli.DataOption();
        var id = ModelArgument();
        var reason = new Option<string>("--reason") { Description = "Why the model may serve although it failed the gate (kept in the registration; only its hash goes on the ledger).", Required = true };
        var command = new Command("override", "Sign and record (on the ledger) a decision to deploy a model that failed the deployment gate, with the organisation's key.") { data, id, reason };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            using var ai = AiServices.Create(node);
            var recorded = await ExplainedAsync(() => ai.Registry.OverrideAsync(parse.GetValue(id)!, parse.GetValue(reason)!, node.Ledger.Keys.Organisation, ct));
            Console.WriteLine($"override signed by key {recorded.Actor}, anchored in transaction {recorded.Transaction} at leaf {recorded.LeafIndex}; overridden:");
            foreach (var criterion in recorded.FailedCriteria)
            {
                Console.WriteLine($"  {criterion}");
            }

            return 0;
        });
        return command;
    }

    private static Command Inference()
    {
        var data = CareLedgerCli.DataOption();
        var transaction = new Argument<string>("INFERENCE")
        {
            Description = "The inference's ledger transaction (the answer's ai-inference-anchor extension) or its id (the answer's id, named in the patient's access log).",
        };
        var command = new Command("inference", "Prove an inference: open its sealed record and recompute the digest anchored on the ledger (for auditors on the custodian's node).") { data, transaction };
        command.SetAction(async (parse, ct) =>
        {
            await using var node = await CareLedgerNode.OpenAsync(NodePaths.For(parse.GetValue(data)!), ct);
            using var ai = AiServices.Create(node);
            var proof = Explained(() => ai.Log.Prove(parse.GetValue(transaction)!, node.Ledger));
            var opening = proof.Opening;
            Console.WriteLine($"inference {opening.InferenceId} by model {opening.Model} (file SHA-256 {opening.ModelSha256})");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"probability {opening.Probability:0.000000} from {opening.Records.Count} records"));
            Console.WriteLine($"input commitment {Convert.ToHexStringLower(opening.InputCommitment())}, digest {Convert.ToHexStringLower(opening.Digest())}");
            return proof.Matches
                ? Ok($"matches the anchor at ledger leaf {proof.LeafIndex}")
                : throw new CliException($"does NOT match the ledger: {proof.Problem}", 2);
        });
        return command;
    }

    private static int Ok(string message)
    {
        Console.WriteLine(message);
        return 0;
    }

    private static void PrintCard(RegisteredModel model)
    {
        var card = model.Card;
        var table = new Table().AddColumn(Markup.Escape(model.Id)).AddColumn(string.Empty);
        table.AddRow("kind", Kind(card.Kind));
        table.AddRow("model file SHA-256", card.ModelSha256);
        table.AddRow("card digest (anchored)", Convert.ToHexStringLower(SHA256.HashData(card.ToCanonicalJson())));
        table.AddRow("ledger", $"transaction {model.Registration.Transaction}, leaf {model.Registration.LeafIndex}");
        table.AddRow("outcome", Markup.Escape(card.Outcome));
        table.AddRow("features", Markup.Escape(string.Join(", ", card.Features)));
        if (card.Cohort is { } cohort)
        {
            table.AddRow("patients", $"{cohort.Included} of {cohort.Candidates} used; {cohort.ExcludedWithoutConsent} excluded without consent for {cohort.PurposeOfUse}, {cohort.ExcludedIncomplete} incomplete; {cohort.RecordsWithheld} records withheld");
        }

        table.AddRow("training data", $"{card.TrainingData.Records} records, Merkle root {card.TrainingData.MerkleRoot}");
        var m = card.Metrics;
        table.AddRow("validation", string.Create(CultureInfo.InvariantCulture,
            $"{m.Folds} fold(s): AUROC {m.MeanAuroc:0.0000} ± {m.AurocStandardDeviation:0.0000}, accuracy {m.MeanAccuracy:0.000}, sensitivity {m.MeanSensitivity:0.000}, specificity {m.MeanSpecificity:0.000}, ECE {m.OutOfFold.ExpectedCalibrationError:0.000}, Brier {m.OutOfFold.BrierScore:0.000}"));
        table.AddRow("intended use", Markup.Escape($"{card.IntendedUse.Description}; {card.IntendedUse.Population}; purpose {card.IntendedUse.PurposeOfUse}"));
        AnsiConsole.Write(table);
    }

    private static void PrintBias(ModelCard card)
    {
        if (card.Bias is not { } bias)
        {
            return;
        }

        foreach (var attribute in bias.Attributes)
        {
            var table = new Table().AddColumn(Markup.Escape(attribute.Attribute)).AddColumn(new TableColumn("n").RightAligned()).AddColumn(new TableColumn("AUROC").RightAligned())
                .AddColumn(new TableColumn("TPR").RightAligned()).AddColumn(new TableColumn("FPR").RightAligned()).AddColumn(new TableColumn("selection").RightAligned()).AddColumn(new TableColumn("ECE").RightAligned());
            foreach (var g in attribute.Groups)
            {
                table.AddRow(Markup.Escape(g.Group), g.Count.ToString(CultureInfo.InvariantCulture), g.Auroc?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-",
                    F(g.TruePositiveRate), F(g.FalsePositiveRate), F(g.SelectionRate), F(g.ExpectedCalibrationError));
            }

            table.Caption(string.Create(CultureInfo.InvariantCulture,
                $"demographic parity difference {attribute.DemographicParityDifference:0.000}, equalised odds difference {attribute.EqualizedOddsDifference:0.000}"));
            AnsiConsole.Write(table);
        }
    }

    private static void PrintGate(GateDecision gate)
    {
        if (gate.Passed)
        {
            AnsiConsole.MarkupLine("[green]deployment gate passed[/]");
            return;
        }

        AnsiConsole.MarkupLine(gate.Deployable ? "[yellow]deployment gate failed, deployed by a signed override:[/]" : "[red]deployment gate failed[/] (only 'careledger model override' can deploy it):");
        foreach (var reason in gate.Reasons)
        {
            AnsiConsole.MarkupLine($"  {Markup.Escape(reason)}");
        }
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Kind(ModelKind kind) => kind switch
    {
        ModelKind.LogisticRegression => "logistic-regression",
        ModelKind.FastTree => "fast-tree",
        _ => "onnx",
    };

    private static Option<string> DatasetOption() => new("--dataset")
    {
        Description = $"The feature set: {string.Join(" or ", FeatureSets.All.Select(s => s.Id))}.",
        Required = true,
    };

    private static Argument<string> ModelArgument() => new("MODEL") { Description = "name@version, or a name for its latest version." };

    private static T Explained<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (Problem(e) is { } problem)
        {
            throw problem;
        }
    }

    private static async Task<T> ExplainedAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (Problem(e) is { } problem)
        {
            throw problem;
        }
    }

    private static CliException? Problem(Exception e) => e switch
    {
        ModelIntegrityException => new CliException(e.Message, 2),
        ModelNotFoundException or ModelNotDeployableException or FhirProblemException or ArgumentException or KeyNotFoundException
            or (InvalidOperationException and not ObjectDisposedException) => new CliException(e.Message),
        _ => null,
    };

    /// <summary>Reads, searches and uses any resource type; never writes.</summary>
    private sealed class ReadOnlyScopes : IScopeCheck
    {
        public static readonly ReadOnlyScopes Instance = new();

        public bool Permits(string resourceType, AccessAction action) =>
            action is AccessAction.Read or AccessAction.Search or AccessAction.Use;

        public string RequiredScope(string resourceType, AccessAction action) => $"user/{resourceType}.rs";
    }
}
