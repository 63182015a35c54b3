using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CareLedger.Analytics.Registry;

namespace CareLedger.Analytics.Deployment;

/// <summary>
/// A signed decision to deploy a model that failed the gate. Actor is an accountable identifier (a key id or
/// pseudonym, never a person's name). The node signs <see cref="SigningPayload"/> with the actor's key, verifies it,
/// and records the override on the ledger; this library only carries it.
/// </summary>
public sealed record GateOverride(string Actor, string Reason, DateTimeOffset Time, byte[] Signature)
{
    private const string Domain = "careledger/gate-override/v1\n";

    /// <summary>
    /// The bytes to sign: "careledger/gate-override/v1\n" followed by the RFC 8785 canonical JSON of
    /// {actor, failedCriteria, modelSha256, reason, time}.
    /// </summary>
    public static byte[] SigningPayload(string modelSha256, GateDecision decision, string actor, string reason, DateTimeOffset time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelSha256);
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var failed = new JsonArray();
        foreach (var check in decision.Checks.Where(c => !c.Passed))
            failed.Add(check.Detail);
        var body = new JsonObject
        {
            ["actor"] = actor,
            ["failedCriteria"] = failed,
            ["modelSha256"] = modelSha256,
            ["reason"] = reason,
            ["time"] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        };
        var json = CanonicalJson.Serialize(body);
        var payload = new byte[Encoding.UTF8.GetByteCount(Domain) + json.Length];
        var written = Encoding.UTF8.GetBytes(Domain, payload);
        json.CopyTo(payload, written);
        return payload;
    }
}
