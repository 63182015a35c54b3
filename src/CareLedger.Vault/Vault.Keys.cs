using System.Security.Cryptography;
using CareLedger.Vault.Records;
using CareLedger.Vault.Storage;

namespace CareLedger.Vault;

public sealed partial class Vault
{
    /// <summary>
    /// After the key provider rotated its KEK: re-wraps every data key still wrapped by an older KEK version under the
    /// current one, in one transaction, then truncates the WAL so no old wrapped form lingers. Records are not
    /// re-encrypted (their data keys do not change). Afterwards the old KEK can be retired.
    /// </summary>
    /// <returns>The number of data keys re-wrapped.</returns>
    public int RewrapDataKeys()
    {
        lock (_writeGate)
        {
            var current = _keys.CurrentKeyId;
            var count = Write(_ =>
            {
                var stale = new List<CompartmentRow>();
                using (var rows = _writer.Get(Sql.CompartmentsNotUnder).With("@kek", current).ExecuteReader())
                {
                    while (rows.Read())
                    {
                        stale.Add(new CompartmentRow(rows.GetInt64(0), rows.GetBlobOrNull(1), rows.GetString(2), rows.GetFieldValue<byte[]>(3)));
                    }
                }

                foreach (var compartment in stale)
                {
                    var context = CompartmentContext.For(compartment.Pseudonym);
                    var dek = _keys.Unwrap(compartment.KekId, compartment.WrappedDek, context);
                    try
                    {
                        var wrapped = _keys.Wrap(dek, context);
                        _writer.Get(Sql.Rewrap)
                            .With("@kek", wrapped.KeyId).With("@wrapped", wrapped.Wrapped).With("@compartment", compartment.Id)
                            .ExecuteNonQuery();
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(dek);
                    }
                }

                return stale.Count;
            });
            _ = TruncateWriteAheadLog();
            return count;
        }
    }

    /// <summary>The KEK versions that wrap at least one data key: retiring any of them would lose data.</summary>
    public IReadOnlySet<string> KeyIdsInUse() =>
        _readers.Read(reader =>
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            using var rows = reader.Get(Sql.KeyIdsInUse).ExecuteReader();
            while (rows.Read())
            {
                ids.Add(rows.GetString(0));
            }

            return ids;
        });
}
