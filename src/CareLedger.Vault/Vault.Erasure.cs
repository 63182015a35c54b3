using CareLedger.Vault.Records;
using CareLedger.Vault.Storage;

namespace CareLedger.Vault;

public sealed partial class Vault
{
    /// <summary>
    /// Crypto-shreds a patient (GDPR Art. 17), in one transaction: the compartment's wrapped data key, every record
    /// version of the compartment (ciphertexts and with them the salts), staged versions, index rows and the pseudonym
    /// mapping. Freed pages are zeroed (secure_delete) and the WAL is truncated. The resources' RecordRefs (already on
    /// the ledger) are kept so that reads say "erased" and the ids are never reused. The caller records the ledger
    /// tombstone with the returned pseudonym. Throws <see cref="KeyNotFoundException"/> (changing nothing) if the
    /// patient has no compartment here.
    /// </summary>
    public ShredReport Shred(string patientId)
    {
        RecordNames.ValidatePatientId(patientId, nameof(patientId));
        var lookup = PatientLookup(patientId);
        return ShredCompartment(() => FindCompartment(_writer, lookup));
    }

    /// <summary>
    /// Crypto-shreds the patient compartment with this pseudonym, exactly as <see cref="Shred(string)"/>. The node uses it
    /// to finish an erasure whose ledger tombstone was written before a crash prevented the shredding.
    /// </summary>
    public ShredReport ShredPseudonym(ReadOnlySpan<byte> pseudonym)
    {
        var key = pseudonym.ToArray();
        return ShredCompartment(() =>
        {
            using var reader = _writer.Get(Sql.SelectCompartmentByPseudonym).With("@pseudonym", key).ExecuteReader();
            return reader.Read()
                ? new CompartmentRow(reader.GetInt64(0), reader.GetBlobOrNull(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3))
                : null;
        });
    }

    /// <summary>The pseudonyms of every patient compartment (to reconcile with the ledger's tombstones on start).</summary>
    public IReadOnlyList<byte[]> PatientPseudonyms() => _readers.Read(reader =>
    {
        var pseudonyms = new List<byte[]>();
        using var rows = reader.Get(Sql.SelectPatientPseudonyms).ExecuteReader();
        while (rows.Read())
        {
            pseudonyms.Add(rows.GetFieldValue<byte[]>(0));
        }

        return pseudonyms;
    });

    private ShredReport ShredCompartment(Func<CompartmentRow?> find)
    {
        lock (_writeGate)
        {
            var (report, compartmentId) = Write(_ =>
            {
                var compartment = find()
                    ?? throw new KeyNotFoundException("That patient has no compartment in this vault; nothing was shredded.");
                var resources = new List<(string Type, string Id)>();
                using (var rows = _writer.Get(Sql.CompartmentResources).With("@compartment", compartment.Id).ExecuteReader())
                {
                    while (rows.Read())
                    {
                        resources.Add((rows.GetString(0), rows.GetString(1)));
                    }
                }

                var versions = (long)_writer.Get(Sql.CountCompartmentVersions).With("@compartment", compartment.Id).ExecuteScalar()!;
                foreach (var (type, id) in resources)
                {
                    _writer.Get(Sql.MarkErased).With("@ref", RecordRef(type, id)).ExecuteNonQuery();
                }

                using (var shred = _writer.CreateAdHoc(Sql.ShredCompartment))
                {
                    shred.With("@compartment", compartment.Id).ExecuteNonQuery();
                }

                return (new ShredReport(compartment.Pseudonym!, checked((int)versions), resources.Count, false), compartment.Id);
            });
            _dataKeys.Forget(compartmentId);
            return report with { WriteAheadLogTruncated = TruncateWriteAheadLog() };
        }
    }
}
