using System.Security.Cryptography;
using CareLedger.Vault.Records;
using CareLedger.Vault.Storage;
using System.Data.Common;

namespace CareLedger.Vault;

public sealed partial class Vault
{
    /// <summary>The current committed version's bytes; null if there is none or it is a delete. Every read checks the
    /// ciphertext's integrity (<see cref="VaultTamperedException"/>); an erased resource throws <see cref="RecordErasedException"/>.</summary>
    internal byte[]? Read(string resourceType, string id)
    {
        RecordNames.ValidateType(resourceType, nameof(resourceType));
        RecordNames.ValidateId(id, nameof(id));
        return ReadContent(resourceType, id, null);
    }

    /// <summary>One committed version's bytes; null if there is no such version or it is a delete.</summary>
    internal byte[]? Read(RecordAddress address)
    {
        RecordNames.Validate(address, nameof(address));
        return ReadContent(address.ResourceType, address.Id, address.Version);
    }

    /// <summary>Whether <paramref name="commitment"/> (from the ledger) is SHA-256(salt ‖ bytes) of this committed
    /// version as stored now; false if there is no such version.</summary>
    public bool VerifyCommitment(RecordAddress address, ReadOnlySpan<byte> commitment)
    {
        RecordNames.Validate(address, nameof(address));
        var row = FindSealed(address.ResourceType, address.Id, address.Version);
        if (row is null)
        {
            return false;
        }

        var opened = Open(row);
        try
        {
            return commitment.Length == SHA256.HashSizeInBytes && SealedRecordFormat.MatchesCommitment(opened, commitment);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(opened);
        }
    }

    /// <summary>Committed versions, newest first (the FHIR _history order), without content.</summary>
    public IReadOnlyList<RecordVersionInfo> History(string resourceType, string id)
    {
        RecordNames.ValidateType(resourceType, nameof(resourceType));
        RecordNames.ValidateId(id, nameof(id));
        return _readers.Read(reader => HistoryOf(reader, resourceType, id) ?? throw new RecordErasedException(resourceType, id));
    }

    /// <summary>
    /// <see cref="History"/> of many records in one read transaction (one snapshot): an imported bundle asks whether each
    /// of its hundred or so kept ids exists, and each lookup on its own was a read transaction or two (locks, and a page
    /// cache that any write in between has made stale). An erased record's entry is null where <see cref="History"/> throws.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<RecordVersionInfo>?> Histories(IReadOnlyList<(string ResourceType, string Id)> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var (resourceType, id) in records)
        {
            RecordNames.ValidateType(resourceType, nameof(records));
            RecordNames.ValidateId(id, nameof(records));
        }

        if (records.Count == 0)
        {
            return [];
        }

        return _readers.Read(reader => reader.InTransaction(() =>
        {
            var histories = new IReadOnlyList<RecordVersionInfo>?[records.Count];
            for (var i = 0; i < records.Count; i++)
            {
                histories[i] = HistoryOf(reader, records[i].ResourceType, records[i].Id);
            }

            return histories;
        }, snapshot: true));
    }

    /// <summary>The record's committed versions, newest first; null if it was erased (and has none).</summary>
    private List<RecordVersionInfo>? HistoryOf(StatementCache reader, string resourceType, string id)
    {
        var versions = new List<RecordVersionInfo>();
        using (var rows = reader.Get(Sql.History).With("@type", resourceType).With("@id", id).ExecuteReader())
        {
            while (rows.Read())
            {
                versions.Add(new RecordVersionInfo(rows.GetVersion(0), rows.GetFlag(1), rows.GetInt64(2),
                    rows.GetFieldValue<byte[]>(3), rows.GetBlobOrNull(4)));
            }
        }

        return versions.Count == 0 && IsErased(reader, resourceType, id) ? null : versions;
    }

    /// <summary>
    /// Every committed version (type, id, version, deleted, commitment), in order, for auditing the vault against the
    /// ledger's commitments: rows rolled back, removed or altered here show up as a mismatch there.
    /// </summary>
    public IReadOnlyList<CommittedVersion> CommittedVersions() => _readers.Read(reader =>
    {
        var versions = new List<CommittedVersion>();
        using var rows = reader.Get(Sql.CommittedVersions).ExecuteReader();
        while (rows.Read())
        {
            versions.Add(new CommittedVersion(rows.GetString(0), rows.GetString(1), rows.GetVersion(2), rows.GetFlag(3), rows.GetFieldValue<byte[]>(4)));
        }

        return versions;
    });

    private byte[]? ReadContent(string resourceType, string id, int? version)
    {
        var row = FindSealed(resourceType, id, version);
        if (row is null)
        {
            return null;
        }

        var opened = Open(row);
        try
        {
            return row.Deleted ? null : SealedRecordFormat.Content(opened);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(opened);
        }
    }

    private SealedRow? FindSealed(string resourceType, string id, int? version) =>
        _readers.Read<SealedRow?>(reader =>
        {
            var command = version is { } v
                ? reader.Get(Sql.ReadVersion).With("@version", v)
                : reader.Get(Sql.ReadCurrent);
            using (var rows = command.With("@type", resourceType).With("@id", id).ExecuteReader())
            {
                if (rows.Read())
                {
                    return SealedRowAt(rows, resourceType, id);
                }
            }

            return IsErased(reader, resourceType, id) ? throw new RecordErasedException(resourceType, id) : null;
        });

    /// <summary>The sealed row at the reader's position; columns as in <see cref="Sql.ReadCurrent"/>.</summary>
    private static SealedRow SealedRowAt(DbDataReader rows, string resourceType, string id)
    {
        var compartment = new CompartmentRow(rows.GetInt64(0), rows.GetBlobOrNull(1), rows.GetString(2), rows.GetFieldValue<byte[]>(3));
        return new SealedRow(new RecordAddress(resourceType, id, rows.GetVersion(4)), compartment,
            rows.GetFlag(5), rows.GetInt64(6), rows.GetInt64(7),
            rows.GetFieldValue<byte[]>(8), rows.GetFieldValue<byte[]>(9), rows.GetFieldValue<byte[]>(10));
    }

    /// <summary>Decrypts a stored version to <c>salt ‖ content</c> (the caller zeroes it), checking everything bound to it.</summary>
    private byte[] Open(SealedRow row)
    {
        if (row.Format != SealedRecordFormat.Format)
        {
            throw new VaultTamperedException(row.Address, $"its sealed format {row.Format} is unknown");
        }

        Span<byte> dek = stackalloc byte[DataKeyBytes];
        try
        {
            try
            {
                CopyDataKey(row.Compartment, dek);
            }
            catch (CryptographicException e)
            {
                throw new VaultTamperedException(row.Address, "its compartment's data key does not unwrap", e);
            }

            var associatedData = RecordAssociatedData.Build(CompartmentContext.For(row.Compartment.Pseudonym),
                row.Address.ResourceType, row.Address.Id, row.Address.Version, row.Deleted, row.LastUpdatedUnixMs);
            try
            {
                return SealedRecordFormat.Open(dek, associatedData, row.Nonce, row.Ciphertext, row.Tag);
            }
            catch (CryptographicException e)
            {
                throw new VaultTamperedException(row.Address, "its ciphertext, nonce, tag or the metadata bound to it was altered", e);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dek);
        }
    }
}
