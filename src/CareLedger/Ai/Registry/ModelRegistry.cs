using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using CareLedger.Analytics.Deployment;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Training;
using CareLedger.IO;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.Engine;

namespace CareLedger.Ai.Registry;

/// <summary>
/// The model registry (A1): each model is a directory <c>DATA/models/{name}@{version}/</c> holding the model file, its
/// card (RFC 8785 canonical JSON), the bias report and <c>registration.json</c> (all mode 0600); the card's digest is
/// anchored on the ledger (kind <c>model-card</c>) when it is registered. Before a model serves — on every request — its
/// file is hashed and compared with the card, and (when the files differ from the last check) the card is held to its
/// anchor and the gate re-evaluated: a changed file, card or registration is refused everywhere.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    public const string CardFile = "card.json";
    public const string RegistrationFile = "registration.json";
    public const string BiasReportFile = "bias-report.html";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly string _directory;
    private readonly LedgerEngine _ledger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Verified> _verified = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<ServableModel> _loaded = [];
    private readonly SemaphoreSlim _writes = new(1, 1);

    /// <param name="policy">
    /// The deployment gate; null for the node's own: <see cref="GatePolicySetting.FileName"/> held to its ledger anchor, or
    /// <see cref="GatePolicy.Default"/> when none was set.
    /// </param>
    public ModelRegistry(string directory, LedgerEngine ledger, GatePolicy? policy = null, TimeProvider? time = null)
    {
        _directory = Path.GetFullPath(directory);
        _ledger = ledger;
        _time = time ?? TimeProvider.System;
        (Policy, Setting, PolicyProblem) = policy is null ? LoadPolicy() : (policy, null, null);
    }

    /// <summary>The deployment gate every model must pass, or have a signed override for.</summary>
    public GatePolicy Policy { get; private set; }

    /// <summary>Where the node's policy is anchored; null for the default policy (or one given by the caller).</summary>
    public GatePolicySetting? Setting { get; private set; }

    /// <summary>Why the node's policy file cannot be trusted (then no model serves); null when it can.</summary>
    public string? PolicyProblem { get; private set; }

    public string Directory => _directory;

    public static string IdOf(string name, string version) => $"{name}@{version}";

    /// <summary>Lowercase letters, digits and hyphens, starting with a letter, at most 64: safe in paths, URLs and anchor contexts.</summary>
    public static void ValidateName(string name)
    {
        if (name is not { Length: >= 1 and <= 64 } || !char.IsAsciiLetterLower(name[0]) || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new ArgumentException($"model name '{name}' must be 1 to 64 lowercase letters, digits or hyphens, starting with a letter", nameof(name));
        }
    }

    public static void ValidateVersion(string version)
    {
        if (version is not { Length: >= 1 and <= 32 } || !char.IsAsciiLetterOrDigit(version[0]) || !version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
        {
            throw new ArgumentException($"model version '{version}' must be 1 to 32 letters, digits, dots or hyphens, starting with a letter or digit", nameof(version));
        }
    }

    /// <summary>Refuses early (before a training run) a version that is already registered.</summary>
    public void EnsureUnregistered(string name, string version)
    {
        ValidateName(name);
        ValidateVersion(version);
        if (System.IO.Directory.Exists(Path.Combine(_directory, IdOf(name, version))))
        {
            throw new InvalidOperationException($"model {IdOf(name, version)} is already registered; register a new version");
        }
    }

    /// <summary>
    /// Registers a model: the file must hash to the card; the files are written (0600) to a staging directory, the card's
    /// digest is anchored on the ledger, then the directory takes the model's id. A version is registered once.
    /// </summary>
    /// <param name="trainingRecords">The records the card's training-data commitment is computed over, in order (kept in <see cref="TrainingManifest"/>).</param>
    public async Task<RegisteredModel> RegisterAsync(ModelCard card, byte[] modelFile, IReadOnlyList<TrainingRecord> trainingRecords, string? biasReportHtml, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(modelFile);
        ArgumentNullException.ThrowIfNull(trainingRecords);
        if (!card.TrainingData.Matches(trainingRecords))
        {
            throw new ArgumentException($"the {trainingRecords.Count} training records do not recompute the card's training-data commitment", nameof(trainingRecords));
        }

        ValidateName(card.Name);
        ValidateVersion(card.Version);
        ModelFile.EnsureMatches(modelFile, card);
        var cardJson = card.ToCanonicalJson();
        var id = IdOf(card.Name, card.Version);
        await _writes.WaitAsync(ct);
        try
        {
            var final = Path.Combine(_directory, id);
            if (System.IO.Directory.Exists(final))
            {
                throw new InvalidOperationException($"model {id} is already registered; register a new version");
            }

            CreatePrivateDirectory(_directory);
            var staging = Path.Combine(_directory, $".{id}.staging");
            if (System.IO.Directory.Exists(staging))
            {
                // Left by a registration that stopped before its anchor: nothing of it is on the ledger.
                System.IO.Directory.Delete(staging, recursive: true);
            }

            CreatePrivateDirectory(staging);
            var modelFileName = card.Kind == ModelKind.Onnx ? "model.onnx" : "model.zip";
            SecureFile.WriteAllBytes(Path.Combine(staging, modelFileName), modelFile);
            SecureFile.WriteAllBytes(Path.Combine(staging, CardFile), cardJson);
            SecureFile.WriteAllBytes(Path.Combine(staging, TrainingManifest.FileName), TrainingManifest.ToJson(trainingRecords));
            if (biasReportHtml is not null)
            {
                SecureFile.WriteAllBytes(Path.Combine(staging, BiasReportFile), System.Text.Encoding.UTF8.GetBytes(biasReportHtml));
            }

            var cardDigest = SHA256.HashData(cardJson);
            var anchor = await LedgerAnchors.SubmitAsync(_ledger, LedgerAnchors.ModelCard, cardDigest, id, _time, ct);
            var registration = new ModelRegistration(ModelRegistration.CurrentSchema, id, modelFileName, Convert.ToHexStringLower(cardDigest),
                anchor.Id.ToString(), anchor.LeafIndex, _time.GetUtcNow(), null);
            SecureFile.WriteAllBytes(Path.Combine(staging, RegistrationFile), registration.ToJson());
            System.IO.Directory.Move(staging, final);
            DirectorySync.TryFlush(_directory);
            return Get(id);
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>The ids of every registered model, in ordinal order (unreadable ones included, for verify to report).</summary>
    public IReadOnlyList<string> Ids()
    {
        if (!System.IO.Directory.Exists(_directory))
        {
            return [];
        }

        return [.. System.IO.Directory.EnumerateDirectories(_directory)
            .Select(Path.GetFileName)
            .Where(n => n is not null && !n.StartsWith('.') && n.Contains('@', StringComparison.Ordinal))
            .Select(n => n!)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Every model whose files can be read.</summary>
    public IReadOnlyList<RegisteredModel> List()
    {
        var models = new List<RegisteredModel>();
        foreach (var id in Ids())
        {
            try
            {
                models.Add(Get(id));
            }
            catch (ModelIntegrityException)
            {
                // Unreadable files are reported by Verify; a listing shows what can be shown.
            }
        }

        return [.. models.OrderBy(m => m.Registration.RegisteredAt).ThenBy(m => m.Id, StringComparer.Ordinal)];
    }

    /// <summary>A model by <c>name@version</c>, or by name for its most recently registered version.</summary>
    /// <exception cref="ModelNotFoundException">No such model.</exception>
    /// <exception cref="ModelIntegrityException">Its card or registration cannot be read.</exception>
    public RegisteredModel Get(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var id = Resolve(reference);
        var directory = Path.Combine(_directory, id);
        return Read(id, directory, File.ReadAllBytes(Path.Combine(directory, CardFile)), File.ReadAllBytes(Path.Combine(directory, RegistrationFile)));
    }

    /// <summary>Holds a model's files to the ledger and evaluates the gate; lists every problem found.</summary>
    public ModelVerification Verify(string reference)
    {
        var id = Resolve(reference);
        var directory = Path.Combine(_directory, id);
        RegisteredModel model;
        byte[] cardJson;
        try
        {
            cardJson = File.ReadAllBytes(Path.Combine(directory, CardFile));
            model = Read(id, directory, cardJson, File.ReadAllBytes(Path.Combine(directory, RegistrationFile)));
        }
        catch (Exception e) when (e is ModelIntegrityException or IOException)
        {
            return new ModelVerification(id, [e.Message], new GateDecision(false, []));
        }

        var problems = new List<string>();
        try
        {
            ModelFile.EnsureMatches(File.ReadAllBytes(model.ModelPath), model.Card);
        }
        catch (Exception e) when (e is ModelIntegrityException or IOException)
        {
            problems.Add(e is ModelIntegrityException ? $"the model file changed after registration: {e.Message}" : $"the model file cannot be read: {e.Message}");
        }

        problems.AddRange(CheckAnchors(model, cardJson));
        if (PolicyProblem is { } policyProblem)
        {
            problems.Add(policyProblem);
        }

        try
        {
            if (!model.Card.TrainingData.Matches(TrainingRecords(model)))
            {
                problems.Add($"{TrainingManifest.FileName} does not recompute the card's training-data commitment");
            }
        }
        catch (Exception e) when (e is FormatException or IOException or ArgumentException)
        {
            problems.Add($"{TrainingManifest.FileName} cannot be read: {e.Message}");
        }

        return new ModelVerification(id, problems, GateOf(model, problems.Count == 0));
    }

    /// <summary>The records the model was trained (or, for an ONNX model, validated) on, as its manifest lists them.</summary>
    public static IReadOnlyList<TrainingRecord> TrainingRecords(RegisteredModel model) =>
        TrainingManifest.Parse(File.ReadAllBytes(Path.Combine(model.Directory, TrainingManifest.FileName)));

    /// <summary>
    /// The model ready to serve: its file is read and hashed on every call (a changed file is refused at once); the
    /// ledger checks and the gate run again whenever the card, the registration or the file differ from the last check.
    /// </summary>
    /// <exception cref="ModelNotFoundException">No such model.</exception>
    /// <exception cref="ModelIntegrityException">The files no longer match the card or the ledger.</exception>
    /// <exception cref="ModelNotDeployableException">Intact, but failed the gate without a recorded override.</exception>
    public ServableModel OpenForServing(string reference)
    {
        var id = Resolve(reference);
        var directory = Path.Combine(_directory, id);
        var cardJson = File.ReadAllBytes(Path.Combine(directory, CardFile));
        var registrationJson = File.ReadAllBytes(Path.Combine(directory, RegistrationFile));
        var model = Read(id, directory, cardJson, registrationJson);
        var file = File.ReadAllBytes(model.ModelPath);
        ModelFile.EnsureMatches(file, model.Card);
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData([.. SHA256.HashData(cardJson), .. SHA256.HashData(registrationJson), .. SHA256.HashData(file)]));
        if (_verified.TryGetValue(id, out var known) && known.Fingerprint == fingerprint)
        {
            return known.Model;
        }

        var problems = CheckAnchors(model, cardJson);
        if (PolicyProblem is { } policyProblem)
        {
            problems.Add(policyProblem);
        }

        if (problems.Count > 0)
        {
            throw new ModelIntegrityException(model.Card.Name, string.Join("; ", problems));
        }

        var gate = GateOf(model, intact: true);
        if (!gate.Deployable)
        {
            throw new ModelNotDeployableException(id, gate.Reasons);
        }

        var servable = ServableModel.Load(model, file);
        _loaded.Add(servable);
        _verified[id] = new Verified(fingerprint, servable);
        return servable;
    }

    /// <summary>
    /// The models that serve now, one per name: the latest registered version of each name, if it is intact and deployable
    /// (a bare name always means the latest version, so a refused latest version is not replaced by an older one). Uses the
    /// same checks as <see cref="OpenForServing"/> (cached while the files are unchanged). For CDS Hooks discovery and for
    /// user interfaces that offer predictions.
    /// </summary>
    public IReadOnlyList<ServableModel> Serving()
    {
        var serving = new List<ServableModel>();
        foreach (var name in Ids().Select(id => id[..id.IndexOf('@', StringComparison.Ordinal)]).Distinct(StringComparer.Ordinal))
        {
            try
            {
                serving.Add(OpenForServing(name));
            }
            catch (Exception e) when (e is ModelIntegrityException or ModelNotDeployableException or ModelNotFoundException or IOException or InvalidDataException)
            {
                // Refused: `careledger model verify` and GET /ai/models say why.
            }
        }

        return serving;
    }

    /// <summary>
    /// Records a signed override of a failed gate: the actor's key signs <see cref="GateOverride.SigningPayload"/> over the
    /// model hash and the failed criteria, its SHA-256 is anchored (kind <c>model-gate-override</c>), and the override is
    /// kept in the registration. The model serves while the gate fails on exactly those criteria (or fewer).
    /// </summary>
    public async Task<GateOverrideRecord> OverrideAsync(string reference, string reason, AuthorKey actor, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        ArgumentNullException.ThrowIfNull(actor);
        if (_ledger.State.FindKey(actor.Id) is not { IsRevoked: false })
        {
            throw new InvalidOperationException($"the override key {actor.Id} is not a registered, unrevoked key of this ledger");
        }

        await _writes.WaitAsync(ct);
        try
        {
            var verification = Verify(reference);
            if (!verification.Intact)
            {
                throw new ModelIntegrityException(verification.Id, string.Join("; ", verification.Problems));
            }

            var model = Get(verification.Id);
            var decision = DeploymentGate.Evaluate(Policy, model.Card);
            if (decision.Passed)
            {
                throw new InvalidOperationException($"model {model.Id} passes the deployment gate; there is nothing to override");
            }

            var time = _time.GetUtcNow();
            var actorId = actor.Id.ToString();
            var payload = GateOverride.SigningPayload(model.Card.ModelSha256, decision, actorId, reason.Trim(), time);
            var signature = actor.Sign(payload);
            var anchor = await LedgerAnchors.SubmitAsync(_ledger, LedgerAnchors.GateOverride, SHA256.HashData(payload), model.Id, _time, ct);
            var record = new GateOverrideRecord(actorId, reason.Trim(), time, Convert.ToBase64String(signature), decision.Reasons, anchor.Id.ToString(), anchor.LeafIndex);
            SecureFile.WriteAllBytes(Path.Combine(model.Directory, RegistrationFile), (model.Registration with { Override = record }).ToJson());
            return record;
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// Sets the node's deployment gate: the policy's digest is anchored on the ledger (kind <c>model-gate-policy</c>) and
    /// the setting written to <see cref="GatePolicySetting.FileName"/>. Every model is judged by it from then on; an
    /// override covers only the failures it names, so a stricter policy can need a new one.
    /// </summary>
    public async Task<GatePolicySetting> SetPolicyAsync(GatePolicy policy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.Validate();
        await _writes.WaitAsync(ct);
        try
        {
            CreatePrivateDirectory(_directory);
            var anchor = await LedgerAnchors.SubmitAsync(_ledger, LedgerAnchors.GatePolicy, GatePolicySetting.Digest(policy), GatePolicySetting.AnchorContext, _time, ct);
            var setting = GatePolicySetting.Create(policy, anchor.Id.ToString(), anchor.LeafIndex, _time.GetUtcNow());
            SecureFile.WriteAllBytes(Path.Combine(_directory, GatePolicySetting.FileName), setting.ToJson());
            (Policy, Setting, PolicyProblem) = (policy, setting, null);
            _verified.Clear();
            return setting;
        }
        finally
        {
            _writes.Release();
        }
    }

    public void Dispose()
    {
        foreach (var model in _loaded)
        {
            model.Dispose();
        }

        _writes.Dispose();
    }

    private string Resolve(string reference)
    {
        if (reference.Contains('@', StringComparison.Ordinal))
        {
            var at = reference.IndexOf('@', StringComparison.Ordinal);
            try
            {
                ValidateName(reference[..at]);
                ValidateVersion(reference[(at + 1)..]);
            }
            catch (ArgumentException)
            {
                throw new ModelNotFoundException(reference);
            }

            return System.IO.Directory.Exists(Path.Combine(_directory, reference)) ? reference : throw new ModelNotFoundException(reference);
        }

        var latest = Ids().Where(id => id.StartsWith(reference + "@", StringComparison.Ordinal))
            .OrderBy(RegisteredAt).ThenBy(id => id, StringComparer.Ordinal).LastOrDefault();
        return latest ?? throw new ModelNotFoundException(reference);
    }

    private (GatePolicy Policy, GatePolicySetting? Setting, string? Problem) LoadPolicy()
    {
        var path = Path.Combine(_directory, GatePolicySetting.FileName);
        if (!File.Exists(path))
        {
            return (GatePolicy.Default, null, null);
        }

        try
        {
            var setting = GatePolicySetting.Parse(File.ReadAllBytes(path));
            var policy = setting.ReadPolicy();
            var problem = LedgerAnchors.Check(_ledger, setting.Transaction, setting.LeafIndex, LedgerAnchors.GatePolicy,
                GatePolicySetting.Digest(policy), GatePolicySetting.AnchorContext);
            return (policy, setting, problem is null ? null : $"the deployment gate policy ({GatePolicySetting.FileName}) is not the one set on the ledger: {problem}");
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            return (GatePolicy.Default, null, $"the deployment gate policy ({GatePolicySetting.FileName}) cannot be read: {e.Message}");
        }
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, OwnerOnly);
        }
    }

    private DateTimeOffset RegisteredAt(string id)
    {
        try
        {
            return ModelRegistration.Parse(File.ReadAllBytes(Path.Combine(_directory, id, RegistrationFile))).RegisteredAt;
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            return DateTimeOffset.MinValue;
        }
    }

    private static RegisteredModel Read(string id, string directory, byte[] cardJson, byte[] registrationJson)
    {
        ModelCard card;
        ModelRegistration registration;
        try
        {
            card = ModelCard.Parse(cardJson);
            registration = ModelRegistration.Parse(registrationJson);
        }
        catch (FormatException e)
        {
            throw new ModelIntegrityException(id, $"its files cannot be read: {e.Message}");
        }

        if (IdOf(card.Name, card.Version) != id || registration.Model != id)
        {
            throw new ModelIntegrityException(id, $"the card is of {IdOf(card.Name, card.Version)} and the registration of {registration.Model}");
        }

        if (registration.ModelFile is not ("model.zip" or "model.onnx"))
        {
            throw new ModelIntegrityException(id, $"the registration names the model file '{registration.ModelFile}'");
        }

        return new RegisteredModel(id, card, registration, directory);
    }

    private List<string> CheckAnchors(RegisteredModel model, byte[] cardJson)
    {
        var problems = new List<string>();
        if (!cardJson.AsSpan().SequenceEqual(model.Card.ToCanonicalJson()))
        {
            problems.Add("card.json is not the card's canonical JSON (it was edited)");
        }

        var digest = SHA256.HashData(cardJson);
        if (LedgerAnchors.Check(_ledger, model.Registration.Transaction, model.Registration.LeafIndex, LedgerAnchors.ModelCard, digest, model.Id) is { } cardProblem)
        {
            problems.Add($"the card is not the one registered on the ledger: {cardProblem}");
        }

        if (model.Registration.Override is { } recorded && OverrideProblem(model, recorded) is { } overrideProblem)
        {
            problems.Add($"the recorded gate override does not verify: {overrideProblem}");
        }

        return problems;
    }

    private string? OverrideProblem(RegisteredModel model, GateOverrideRecord recorded)
    {
        if (!KeyId.TryParse(recorded.Actor, out var actor) || _ledger.State.FindKey(actor) is not { } key)
        {
            return $"the actor {recorded.Actor} is not a key of this ledger";
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(recorded.Signature);
        }
        catch (FormatException)
        {
            return "the signature is not base64";
        }

        var overridden = new GateDecision(false, [.. recorded.FailedCriteria.Select(c => new GateCheck("overridden", false, c))]);
        var payload = GateOverride.SigningPayload(model.Card.ModelSha256, overridden, recorded.Actor, recorded.Reason, recorded.Time);
        if (!AuthorSignature.Verify(key.PublicKeySpki, payload, signature))
        {
            return "the signature is not the actor's over this model and these criteria";
        }

        return LedgerAnchors.Check(_ledger, recorded.Transaction, recorded.LeafIndex, LedgerAnchors.GateOverride, SHA256.HashData(payload), model.Id);
    }

    /// <summary>The gate now; with a verified override it is deployable while every current failure was overridden.</summary>
    private GateDecision GateOf(RegisteredModel model, bool intact)
    {
        var decision = DeploymentGate.Evaluate(Policy, model.Card);
        if (decision.Passed || model.Registration.Override is not { } recorded || !intact)
        {
            return decision;
        }

        var uncovered = decision.Reasons.Except(recorded.FailedCriteria, StringComparer.Ordinal).ToList();
        if (uncovered.Count > 0)
        {
            return decision with
            {
                Checks = [.. decision.Checks, new GateCheck("override", false,
                    string.Create(CultureInfo.InvariantCulture, $"the override recorded at leaf {recorded.LeafIndex} does not cover: {string.Join("; ", uncovered)}"))],
            };
        }

        return decision.WithOverride(new GateOverride(recorded.Actor, recorded.Reason, recorded.Time, Convert.FromBase64String(recorded.Signature)));
    }

    private sealed record Verified(string Fingerprint, ServableModel Model);
}
