using CareLedger.Vault.Search;

namespace CareLedger.Vault;

/// <summary>
/// A version's index entries checked and turned into the rows the vault stores (blinded tokens and references hashed under
/// the index secret, ADR 0002), by <see cref="Vault.PrepareIndex"/> on the caller's thread. Handed to the vault with the same
/// entries (<see cref="StageRequest.PreparedIndex"/>), it spares <see cref="Vault.Stage(IReadOnlyList{StageRequest}, ReadOnlySpan{byte})"/>
/// that work, which otherwise runs on the stage's calling thread, before its lock. Holds no plaintext beyond the entries it
/// was made from: the blinded values are hashes. Immutable once made.
/// </summary>
public sealed class PreparedIndex
{
    internal PreparedIndex(Vault vault, IReadOnlyList<IndexEntry> entries, List<IndexRow> rows)
    {
        Vault = vault;
        Entries = entries;
        Rows = rows;
    }

    internal Vault Vault { get; }

    /// <summary>The list it was prepared from (a stage request must carry the same list).</summary>
    internal IReadOnlyList<IndexEntry> Entries { get; }

    internal List<IndexRow> Rows { get; }
}
