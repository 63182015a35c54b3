using CareLedger.Vault;
using CareLedger.Vault.Search;

namespace CareLedger.Locator;

/// <summary>
/// Where the next page of a member-to-member disclosure starts (ADR 0009): the compartment type it is at and the last id
/// disclosed of that type (none: from the type's first record). In the <c>_page</c> parameter of the next link as
/// <c>Type</c> or <c>Type/id</c>, like a FHIR reference; the holder trusts nothing in it but the type and the id it names.
/// </summary>
internal sealed record DisclosureCursor(string Type, string? AfterId)
{
    public override string ToString() => AfterId is null ? Type : $"{Type}/{AfterId}";

    /// <summary>The cursor <paramref name="text"/> names, or null when it is not one of <paramref name="types"/> (and a valid id).</summary>
    public static DisclosureCursor? Parse(string text, IReadOnlyList<string> types)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var type = slash < 0 ? text : text[..slash];
        var id = slash < 0 ? null : text[(slash + 1)..];
        return types.Contains(type, StringComparer.Ordinal) && (id is null || Fhir.Storage.ResourceRepository.IsValidId(id)) ? new DisclosureCursor(type, id) : null;
    }
}

/// <summary>
/// One page of the records a member discloses of a patient (ADR 0009): the patient's compartment, type after type in a
/// fixed order and by id within a type (keyset paging, so records written or erased between pages shift nothing), at most
/// <see cref="MaxSize"/> records a page, and where the next page starts (null on the last page).
/// </summary>
internal static class DisclosurePage
{
    /// <summary>The most records one page carries (also the default); the asking member may ask for fewer.</summary>
    public const int MaxSize = 1000;

    /// <summary>The addresses of the page's records and the next page's cursor.</summary>
    /// <param name="query">The vault's search (the holder's repository): the heads of one type of the patient's compartment.</param>
    public static (IReadOnlyList<RecordAddress> Addresses, DisclosureCursor? Next) Plan(
        Func<VaultQuery, VaultQueryResult> query, IReadOnlyList<string> types, string patientId, int size, DisclosureCursor? from)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxSize);
        var start = from is null ? 0 : IndexOf(types, from.Type);
        var addresses = new List<RecordAddress>(size);
        for (var i = start; i < types.Count; i++)
        {
            var after = i == start ? from?.AfterId : null;
            var remaining = size - addresses.Count;
            // One more than fits says whether the type goes on; on a full page it is the look that finds the next type with records.
            var heads = query(new VaultQuery(types[i]) { PatientId = patientId, Sort = [VaultSort.ById()], AfterId = after, Take = remaining + 1 }).Records;
            if (heads.Count <= remaining)
            {
                addresses.AddRange(heads.Select(h => new RecordAddress(h.ResourceType, h.Id, 0)));
                continue;
            }

            addresses.AddRange(heads.Take(remaining).Select(h => new RecordAddress(h.ResourceType, h.Id, 0)));
            return (addresses, new DisclosureCursor(types[i], remaining == 0 ? after : heads[remaining - 1].Id));
        }

        return (addresses, null);
    }

    private static int IndexOf(IReadOnlyList<string> types, string type)
    {
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i] == type)
            {
                return i;
            }
        }

        throw new ArgumentException($"{type} is not a type of the patient's compartment", nameof(type));
    }
}
