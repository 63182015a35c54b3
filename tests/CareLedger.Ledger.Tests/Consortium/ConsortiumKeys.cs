using System.Security.Cryptography;
using System.Text;
using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Consortium;

namespace CareLedger.Ledger.Tests.Consortium;

/// <summary>Real cosigner keys for four members and notes written as "member:size:root-tag" steps.</summary>
public sealed class ConsortiumKeys : IDisposable
{
    public const string Origin = "careledger.test/consortium";

    private static readonly DateTimeOffset CosignTime = DateTimeOffset.FromUnixTimeSeconds(1_750_000_000);

    public ConsortiumKeys()
    {
        Cosigners = [.. Enumerable.Range(0, 4).Select(i => CosignerKey.Generate($"m{i}.cosigner"))];
        Members = [.. Cosigners.Select((key, i) => new ConsortiumMember($"m{i}", key.VerifierKey))];
    }

    public IReadOnlyList<CosignerKey> Cosigners { get; }

    public IReadOnlyList<ConsortiumMember> Members { get; }

    /// <summary>A distinct but reproducible root per (tag, size).</summary>
    public static byte[] Root(string tag, long size) => SHA256.HashData(Encoding.UTF8.GetBytes($"{tag}:{size}"));

    public static string CheckpointText(long size, byte[] root, string origin = Origin) =>
        new Checkpoint(origin, size, root).ToNoteText();

    public SignedNote Cosigned(string text, params int[] members) =>
        new(text, members.Select(m => Cosigners[m].Cosign(text, CosignTime)));

    /// <summary>"m1:5:A" is member 1 cosigning size 5 with root tag A; <paramref name="root"/> maps (tag, size) to a root.</summary>
    public SignedNote Step(string step, Func<string, long, byte[]>? root = null)
    {
        var parts = step.Split(':');
        var member = int.Parse(parts[0][1..], System.Globalization.CultureInfo.InvariantCulture);
        var size = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        return Cosigned(CheckpointText(size, (root ?? Root)(parts[2], size)), member);
    }

    public void Dispose()
    {
        foreach (var key in Cosigners)
            key.Dispose();
    }
}
