using System.Collections.Concurrent;
using CareLedger.Consent.Compilation;
using CareLedger.Vault;
using ModelCoding = CareLedger.Consent.Model.Coding;

namespace CareLedger.Access.Gate;

/// <summary>
/// The consent decisions already made about one record version for one requester, kept while they provably still hold
/// (docs/adr/0012-consent-decision-cache.md). A consent decision is a pure function of the patient's compiled consent
/// set, the requester, the purpose, the action, the record's facts and the instant. Each of these is pinned:
/// <list type="bullet">
/// <item>the set by identity — any Consent write (grant, revocation, change) makes the registry compile a new set, so an
/// entry made with the old one is never used again;</item>
/// <item>the facts by the record's address with its version — a stored version never changes (the vault appends versions,
/// and an erased record can be neither read nor written again);</item>
/// <item>the instant by the set's stable window — the entry is used only between the nearest period boundaries of the
/// set's consents and provisions around the instant it was decided at.</item>
/// </list>
/// Requests with break-glass or a delegation are never kept (their own expiries and periods decide), nor is anything
/// outside the consent engine: scope, role and credential are checked on every request before this is consulted.
/// Bounded: when full it is cleared and refills from the records in use. Thread-safe.
/// </summary>
internal sealed class DecisionCache(int capacity)
{
    // The hit count in stripes a cache line apart, one chosen by the thread: a single counter incremented by every reading
    // thread moved its cache line between the cores on every kept decision.
    private const int Stripes = 16;
    private const int LongsPerLine = 8;

    private readonly ConcurrentDictionary<Key, Entry> _entries = new();
    private readonly long[] _hits = new long[Stripes * LongsPerLine];

    /// <summary>Decisions answered from the cache since the door started (for tests and diagnostics).</summary>
    public long Hits
    {
        get
        {
            long hits = 0;
            for (var stripe = 0; stripe < Stripes; stripe++)
            {
                hits += Interlocked.Read(ref _hits[stripe * LongsPerLine]);
            }

            return hits;
        }
    }

    public int Count => _entries.Count;

    public bool TryGet(in Key key, CompiledConsentSet set, DateTimeOffset now, out GateDecision decision)
    {
        if (_entries.TryGetValue(key, out var entry) && ReferenceEquals(entry.Set, set) && entry.From <= now && now < entry.Until)
        {
            Interlocked.Increment(ref _hits[(Environment.CurrentManagedThreadId & (Stripes - 1)) * LongsPerLine]);
            decision = entry.Decision;
            return true;
        }

        decision = null!;
        return false;
    }

    public void Add(in Key key, CompiledConsentSet set, DateTimeOffset decidedAt, GateDecision decision)
    {
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }

        var (from, until) = set.StableWindow(decidedAt);
        _entries[key] = new Entry(set, from, until, decision);
    }

    /// <summary>
    /// What besides the consent set a decision depends on. The requester is its reference, organisation and care-team
    /// membership: only requesters with the fixed recipient roles and no groups are kept (clinicians and researchers).
    /// </summary>
    public readonly record struct Key(
        RecordAddress Record,
        string Requester,
        string? Organization,
        bool CareTeam,
        ModelCoding Purpose,
        AccessAction Action)
    {
        // Hashed by what tells kept decisions apart in practice — the record, its version and the requester — and compared
        // in full: the purpose's long code system, the organisation and the action seldom differ, and hashing them on
        // every look-up was most of its cost.
        public override int GetHashCode() => HashCode.Combine(Record.Id, Record.Version, Requester);

        // Every field, as the generated equality compares them (ordinal strings), in an order that settles a look-up early:
        // the numbers first, then the strings, the record's id before the strings that are the same objects read after read
        // (the requester, the role's default purpose: string equality returns at the reference). The generated one went
        // through an equality comparer per field, nested for the address and the purpose, on every kept decision.
        public bool Equals(Key other) =>
            Record.Version == other.Record.Version
            && Action == other.Action
            && CareTeam == other.CareTeam
            && string.Equals(Record.Id, other.Record.Id)
            && string.Equals(Requester, other.Requester)
            && string.Equals(Record.ResourceType, other.Record.ResourceType)
            && string.Equals(Organization, other.Organization)
            && string.Equals(Purpose.Code, other.Purpose.Code)
            && string.Equals(Purpose.System, other.Purpose.System);
    }

    // A value kept inside the dictionary's node, not an object beside it: a look-up reads one object less (on a machine
    // whose caches other work keeps evicting, a miss less per read), and a kept decision allocates nothing. The dictionary
    // replaces a node rather than write a value this size into it, so a reader never sees half of an update.
    private readonly record struct Entry(CompiledConsentSet Set, DateTimeOffset From, DateTimeOffset Until, GateDecision Decision);
}
