using CareLedger.Ledger.Log.Format;

namespace CareLedger.Ledger.Log.Segments;

/// <summary>
/// The in-memory offset index of one segment: where each record ends (the next one starts there), so that a random
/// read is a single pread of exactly the record's bytes. One writer appends; readers may look up any entry whose
/// record they learnt about through <see cref="FileLog.FlushedCount"/>, which is published after the entry.
/// </summary>
internal sealed class RecordEnds
{
    private const int InitialCapacity = 1024;
    private long[] _ends;
    private int _count;

    public RecordEnds(int capacity = InitialCapacity) => _ends = new long[Math.Max(capacity, 1)];

    /// <summary>Entries appended so far; for the writer (and for recovery before the log is shared).</summary>
    public int Count => _count;

    /// <summary>End offset of record <paramref name="position"/> of the segment.</summary>
    public long this[int position] => Volatile.Read(ref _ends)[position];

    public long StartOf(int position) => position == 0 ? SegmentHeader.Size : this[position - 1];

    /// <summary>End of the last record, which is where the next record goes.</summary>
    public long End => _count == 0 ? SegmentHeader.Size : _ends[_count - 1];

    public void Add(long end)
    {
        var ends = _ends;
        if (_count == ends.Length)
        {
            var grown = new long[ends.Length * 2];
            ends.CopyTo(grown, 0);
            // Readers holding the old array still find every entry they may ask for: it is copied before publication.
            Volatile.Write(ref _ends, grown);
            ends = grown;
        }

        ends[_count] = end;
        _count++;
    }

    /// <summary>Forgets the entries at and beyond <paramref name="count"/> (the log dropped those records).</summary>
    public void TruncateTo(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _count);
        _count = count;
    }
}
