using System.Security.Cryptography;
using CareLedger.Vault.Records;
using CareLedger.Vault.Storage;

namespace CareLedger.Vault;

/// <summary>
/// The decrypting reads of the access layer: each also says which compartment the record is sealed in, because the
/// door decides by patient. Internal (InternalsVisibleTo CareLedger.Access) so that nothing else can decrypt.
/// </summary>
public sealed partial class Vault
{
    /// <summary>
    /// One committed version (the current one when <paramref name="version"/> is null) with its compartment; null if there
    /// is no such version. A delete comes back with <see cref="OpenedRecord.Deleted"/> set and no content. Integrity is
    /// checked as by every read (<see cref="VaultTamperedException"/>); an erased resource throws <see cref="RecordErasedException"/>.
    /// </summary>
    internal OpenedRecord? ReadRecord(string resourceType, string id, int? version)
    {
        RecordNames.ValidateType(resourceType, nameof(resourceType));
        RecordNames.ValidateId(id, nameof(id));
        if (version is { } v)
        {
            RecordNames.Validate(new RecordAddress(resourceType, id, v), nameof(version));
        }

        var row = FindSealed(resourceType, id, version);
        return row is null ? null : OpenRecord(row);
    }

    /// <summary>
    /// The current, committed, non-deleted version of every resource in the patient compartment with this pseudonym
    /// (only of <paramref name="resourceType"/> when given), ordered by type and id; empty if there is no such compartment.
    /// </summary>
    internal IReadOnlyList<OpenedRecord> CurrentResourcesInCompartment(byte[] pseudonym, string? resourceType)
    {
        ArgumentNullException.ThrowIfNull(pseudonym);
        if (pseudonym.Length != PseudonymBytes)
        {
            throw new ArgumentException($"A pseudonym is {PseudonymBytes} bytes, not {pseudonym.Length}.", nameof(pseudonym));
        }

        if (resourceType is not null)
        {
            RecordNames.ValidateType(resourceType, nameof(resourceType));
        }

        var rows = _readers.Read(reader =>
        {
            var command = resourceType is null
                ? reader.Get(Sql.CurrentInCompartment)
                : reader.Get(Sql.CurrentOfTypeInCompartment).With("@type", resourceType);
            var found = new List<SealedRow>();
            using var results = command.With("@pseudonym", pseudonym).ExecuteReader();
            while (results.Read())
            {
                found.Add(SealedRowAt(results, results.GetString(11), results.GetString(12)));
            }

            return found;
        });

        var records = new List<OpenedRecord>(rows.Count);
        foreach (var row in rows)
        {
            records.Add(OpenRecord(row));
        }

        return records;
    }

    private OpenedRecord OpenRecord(SealedRow row)
    {
        var opened = Open(row);
        try
        {
            var content = row.Deleted ? null : SealedRecordFormat.Content(opened);
            return new OpenedRecord(row.Address, row.Compartment.Pseudonym, row.Deleted, row.LastUpdatedUnixMs, content);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(opened);
        }
    }
}
