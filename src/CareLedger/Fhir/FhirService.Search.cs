using System.Globalization;
using CareLedger.Access.Gate;
using CareLedger.Fhir.Search;
using CareLedger.Vault;
using CareLedger.Fhir.Storage;
using CareLedger.Fhir.Validation;
using CareLedger.Vault.Search;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir;

public sealed partial class FhirService
{
    /// <summary>
    /// Runs a search and returns a searchset Bundle with self/next/previous links. Paging is stable (see
    /// <see cref="SearchCursor"/>); includes are added once each with search mode "include".
    /// </summary>
    public Bundle Search(FhirCaller caller, SearchRequest request, string baseUrl)
    {
        var detail = $"search {request.ResourceType}";
        repository.RequireScope(caller, AccessAction.Search, request.ResourceType, detail);
        var snapshot = request.Cursor?.SnapshotUnixMs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var offset = request.Cursor?.Offset ?? 0;
        var query = request.Query with
        {
            LastUpdated = [.. request.Query.LastUpdated, new DateCondition(SearchPrefix.Le, snapshot, snapshot)],
            Skip = offset,
            Take = request.Count + 1,
            IncludeTotal = request.IncludeTotal,
        };
        var (matched, more, total, withheld) = request.NeedsExactPass ? SearchExactly(caller, request, query, offset) : SearchInVault(caller, request, query);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Id = NewId(), Meta = new Meta { LastUpdated = DateTimeOffset.UtcNow } };
        if (total is { } count)
        {
            bundle.Total = count;
        }

        foreach (var resource in matched)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{resource.TypeName}/{resource.Id}",
                Resource = resource,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }

        withheld += AddIncludes(caller, bundle, matched, request.Includes, baseUrl);
        if (withheld > 0)
        {
            // Said, not hidden: the caller learns that consent withheld some matches, never which or what.
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = Errors.OperationOutcomes.Single(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Suppressed,
                    $"{withheld} matching resource(s) were withheld: the patients' consents do not permit this access"),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome },
            });
        }

        var link = $"{baseUrl}/{request.ResourceType}";
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = PageUrl(link, request, request.Cursor) });
        if (more)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = PageUrl(link, request, new SearchCursor(snapshot, offset + request.Count)) });
        }

        if (offset > 0)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = PageUrl(link, request, new SearchCursor(snapshot, Math.Max(0, offset - request.Count))) });
        }

        return bundle;
    }

    /// <summary>Most searches: the vault filters, sorts and pages.</summary>
    private (List<Resource> Matched, bool More, int? Total, int Withheld) SearchInVault(FhirCaller caller, SearchRequest request, VaultQuery query)
    {
        var result = repository.Query(query);
        var disclosure = repository.ReadMany(caller, AccessAction.Search,
            [.. result.Records.Take(request.Count).Select(h => new RecordAddress(h.ResourceType, h.Id, 0))], $"search {request.ResourceType}");
        var matched = new List<Resource>(disclosure.Records.Count);
        foreach (var record in disclosure.Records)
        {
            matched.Add(FhirSerialization.ParseJson(record.Json));
        }

        return (matched, result.Records.Count > request.Count, result.Total, disclosure.Withheld);
    }

    /// <summary>
    /// Searches on coarsely indexed dates: the vault finds a superset, each candidate's exact value is checked (and
    /// sorted by, if asked), and the page is cut here.
    /// </summary>
    private (List<Resource> Matched, bool More, int? Total, int Withheld) SearchExactly(FhirCaller caller, SearchRequest request, VaultQuery query, int offset)
    {
        const int MaxCandidates = 10_000;
        var candidates = repository.Query(query with { Skip = 0, Take = MaxCandidates + 1, IncludeTotal = false }).Records;
        if (candidates.Count > MaxCandidates)
        {
            throw Errors.FhirProblemException.TooLarge(
                $"this search matches more than {MaxCandidates} candidates before its birth-date condition is checked exactly; narrow it with more parameters");
        }

        var disclosure = repository.ReadMany(caller, AccessAction.Search,
            [.. candidates.Select(h => new RecordAddress(h.ResourceType, h.Id, 0))], $"search {request.ResourceType}");
        IEnumerable<Resource> exact = disclosure.Records
            .Select(record => FhirSerialization.ParseJson(record.Json))
            .Where(r => request.ExactDateChecks.All(check => MatchesExactly(r, check)));
        if (request.ExactSort is { Parameter: { } sortBy } sort && SearchParameterCatalog.Instance.Find(request.ResourceType, sortBy) is { } parameter)
        {
            exact = sort.Descending
                ? exact.OrderByDescending(r => SearchIndexer.ExactDates(r, parameter).Select(d => d.End).DefaultIfEmpty(long.MinValue).Max())
                : exact.OrderBy(r => SearchIndexer.ExactDates(r, parameter).Select(d => d.Start).DefaultIfEmpty(long.MaxValue).Min());
        }

        var all = exact.ToList();
        return ([.. all.Skip(offset).Take(request.Count)], all.Count > offset + request.Count, request.IncludeTotal ? all.Count : null, disclosure.Withheld);
    }

    private static bool MatchesExactly(Resource resource, DatePredicate check)
    {
        var parameter = SearchParameterCatalog.Instance.Find(resource.TypeName, check.Parameter);
        return parameter is not null && SearchIndexer.ExactDates(resource, parameter)
            .Any(d => check.Conditions.Any(c => PendingMatcher.DateMatches(c, d.Start, d.End)));
    }

    /// <returns>How many included resources consent withheld.</returns>
    private int AddIncludes(FhirCaller caller, Bundle bundle, List<Resource> matched, IReadOnlyList<IncludeRequest> includes, string baseUrl)
    {
        if (includes.Count == 0)
        {
            return 0;
        }

        var wanted = new List<RecordAddress>();
        var seen = new HashSet<string>(matched.Select(r => r.TypeName + "/" + r.Id), StringComparer.Ordinal);
        var context = new FhirEvaluationContext();
        foreach (var include in includes)
        {
            var parameter = SearchParameterCatalog.Instance.Find(include.SourceType, include.Parameter)!;
            foreach (var resource in matched)
            {
                var node = new[] { resource.ToPocoNode(ModelInfo.ModelInspector) };
                foreach (var value in parameter.Compiled(node, context))
                {
                    if (value.Poco is not ResourceReference { Reference: { } reference } || SearchIndexer.ReferenceKey(reference) is not { } key
                        || (include.TargetType is { } target && !key.StartsWith(target + "/", StringComparison.Ordinal)) || !seen.Add(key))
                    {
                        continue;
                    }

                    var slash = key.IndexOf('/', StringComparison.Ordinal);
                    if (ResourceRepository.IsValidId(key[(slash + 1)..]) && ModelInfo.IsKnownResource(key[..slash]))
                    {
                        wanted.Add(new RecordAddress(key[..slash], key[(slash + 1)..], 0));
                    }
                }
            }
        }

        var disclosure = repository.ReadMany(caller, AccessAction.Search, wanted, "search _include");
        foreach (var record in disclosure.Records)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{record.Address.ResourceType}/{record.Address.Id}",
                Resource = FhirSerialization.ParseJson(record.Json),
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Include },
            });
        }

        return disclosure.Withheld;
    }

    private static string PageUrl(string link, SearchRequest request, SearchCursor? cursor)
    {
        var parameters = request.CanonicalParameters
            .Where(p => p.Key is not "_count")
            .Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value))
            .Append("_count=" + request.Count.ToString(CultureInfo.InvariantCulture));
        if (cursor is { } c)
        {
            parameters = parameters.Append(SearchRequestParser.CursorParameter + "=" + c.Encode());
        }

        return link + "?" + string.Join("&", parameters);
    }

    /// <summary>
    /// Instance history (every version, newest first) or type history (every version of every current resource of
    /// the type, newest first). Deleted versions appear as entries without a resource, with request method DELETE.
    /// </summary>
    public Bundle History(FhirCaller caller, string type, string? id, int count, DateTimeOffset? since, string baseUrl)
    {
        EnsureKnownType(type);
        repository.RequireScope(caller, AccessAction.History, type, $"history {type}");
        IEnumerable<ResourceHead> versions;
        if (id is not null)
        {
            var history = repository.History(type, id);
            if (history.Count == 0)
            {
                throw Errors.FhirProblemException.NotFound($"{type}/{id} does not exist");
            }

            versions = history;
        }
        else
        {
            var heads = repository.Query(new VaultQuery(type) { Sort = [VaultSort.ByLastUpdated(descending: true)], Take = 10_000 }).Records;
            versions = heads.SelectMany(h => repository.History(type, h.Id)).OrderByDescending(v => v.LastUpdated).ThenByDescending(v => v.Version);
        }

        if (since is { } s)
        {
            versions = versions.Where(v => v.LastUpdated >= s);
        }

        var candidates = versions.Take(Math.Clamp(count, 1, SearchRequestParser.MaxCount)).ToList();
        // Every version, deletions included, is shown only as far as the access layer discloses it.
        var disclosure = repository.ReadMany(caller, AccessAction.History,
            [.. candidates.Select(v => new RecordAddress(type, v.Id, v.Version))], $"history {type}");
        var disclosed = disclosure.Records.ToDictionary(r => (r.Address.Id, r.Address.Version));
        var page = candidates.Where(v => disclosed.ContainsKey((v.Id, v.Version))).ToList();
        var bundle = new Bundle { Type = Bundle.BundleType.History, Id = NewId(), Total = page.Count };
        foreach (var v in page)
        {
            var entry = new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{type}/{v.Id}",
                Request = new Bundle.RequestComponent
                {
                    Method = v.Deleted ? Bundle.HTTPVerb.DELETE : v.Version == 1 ? Bundle.HTTPVerb.POST : Bundle.HTTPVerb.PUT,
                    Url = v.Version == 1 && !v.Deleted ? type : $"{type}/{v.Id}",
                },
                Response = new Bundle.ResponseComponent
                {
                    Status = v.Deleted ? "204" : v.Version == 1 ? "201" : "200",
                    Etag = $"W/\"{v.Version}\"",
                    LastModified = v.LastUpdated,
                },
            };
            if (!v.Deleted && disclosed[(v.Id, v.Version)].Json is { Length: > 0 } json)
            {
                entry.Resource = FhirSerialization.ParseJson(json);
            }

            bundle.Entry.Add(entry);
        }

        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = id is null ? $"{baseUrl}/{type}/_history" : $"{baseUrl}/{type}/{id}/_history" });
        return bundle;
    }
}
