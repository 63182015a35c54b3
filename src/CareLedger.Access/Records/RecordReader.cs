using System.Security.Cryptography;
using CareLedger.Vault;

namespace CareLedger.Access.Records;

/// <summary>
/// The only code that calls the vault's decrypting reads. Everything it returns is plaintext: the gate decides on it
/// and either hands it to a caller (after the decision is audited) or zeroes it with <see cref="Forget"/>.
/// </summary>
internal sealed class RecordReader(Vault.Vault vault)
{
    /// <summary>One committed version (current when <paramref name="version"/> is null); null if there is none.</summary>
    public OpenedRecord? Read(string resourceType, string id, int? version) => vault.ReadRecord(resourceType, id, version);

    /// <summary>The current, non-deleted resources of one patient compartment (of one type when given).</summary>
    public IReadOnlyList<OpenedRecord> CurrentInCompartment(byte[] pseudonym, string? resourceType) =>
        vault.CurrentResourcesInCompartment(pseudonym, resourceType);

    /// <summary>Zeroes a record's plaintext that is not disclosed.</summary>
    public static void Forget(OpenedRecord? record)
    {
        if (record?.Content is { } content)
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    public static void Forget(IEnumerable<OpenedRecord> records)
    {
        foreach (var record in records)
        {
            Forget(record);
        }
    }
}
