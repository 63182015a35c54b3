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
        lock (_writeGate)
        {
            var (report, compartmentId) = Write(_ =>
            {
                var compartment = FindCompartment(_writer, lookup)
                    ?? throw new KeyNotFoundException("That patient has no compartment in this vault; nothing was shredded.");
                var resources = new List<(string Type, string Id)>();
                using (var rows = _writer.Get(Sql.CompartmentResources).With("$compartment", compartment.Id).ExecuteReader())
                {
                    while (rows.Read())
                    {
                        resources.Add((rows.GetString(0), rows.GetString(1)));
                    }
                }

                var versions = (long)_writer.Get(Sql.CountCompartmentVersions).With("$compartment", compartment.Id).ExecuteScalar()!;
                foreach (var (type, id) in resources)
                {
                    _writer.Get(Sql.MarkErased).With("$ref", RecordRef(type, id)).ExecuteNonQuery();
                }

                using (var shred = _writer.CreateAdHoc(Sql.ShredCompartment))
                {
                    shred.With("$compartment", compartment.Id).ExecuteNonQuery();
                }

                return (new ShredReport(compartment.Pseudonym!, checked((int)versions), resources.Count, false), compartment.Id);
            });
            _dataKeys.Forget(compartmentId);
            return report with { WriteAheadLogTruncated = TruncateWriteAheadLog() };
        }
    }
}
