using System.Globalization;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Search;
using CareLedger.Fhir.Storage;
using CareLedger.Fhir.Validation;
using CareLedger.Vault.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Bundles;

/// <summary>
/// FHIR <c>transaction</c> and <c>batch</c> Bundles. A transaction is all or nothing and is ONE ledger transaction:
/// entries are processed in the order the specification sets (DELETE, POST, PUT, GET), <c>urn:uuid</c> fullUrls and
/// conditional references (<c>Organization?identifier=...</c>) are resolved to the ids they get, conditional creates
/// (<c>ifNoneExist</c>) match stored resources and those created earlier in the same bundle, every resource is
/// validated, and any failure stores and ledgers nothing. A batch runs each entry on its own.
/// </summary>
public sealed class BundleProcessor(FhirService service)
{
    public Task<Bundle> ProcessAsync(FhirCaller caller, Bundle bundle, BundleOptions options, string baseUrl, CancellationToken ct) => bundle.Type switch
    {
        Bundle.BundleType.Transaction => TransactionAsync(caller, bundle, options, baseUrl, ct),
        Bundle.BundleType.Batch => BatchAsync(caller, bundle, options, baseUrl, ct),
        _ => throw FhirProblemException.BadRequest($"only transaction and batch Bundles can be posted to the base URL; this one is '{bundle.Type?.ToString() ?? "(no type)"}'"),
    };

    private async Task<Bundle> TransactionAsync(FhirCaller caller, Bundle bundle, BundleOptions options, string baseUrl, CancellationToken ct)
    {
        var entries = bundle.Entry;
        var plans = new EntryPlan[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            plans[i] = Plan(entries[i], i);
        }

        var duplicateFullUrl = plans.Where(p => p.FullUrl is not null).GroupBy(p => p.FullUrl).FirstOrDefault(g => g.Count() > 1);
        if (duplicateFullUrl is not null)
        {
            throw FhirProblemException.BadRequest($"fullUrl '{duplicateFullUrl.Key}' appears in more than one entry");
        }

        // Whether each kept id of a create exists, asked for the whole bundle in one vault read transaction (one or two per
        // entry before: an imported bundle keeps about a hundred ids).
        var heads = options.PreserveIds
            ? service.Repository.Heads(plans.Where(p => p is { Method: Bundle.HTTPVerb.POST, Request.IfNoneExist: null, Resource.Id: not null })
                .Select(p => (p.Resource!.TypeName, p.Resource.Id!)))
            : null;
        var identities = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new List<PlannedWrite>();
        foreach (var plan in plans.OrderBy(p => p.Order).ThenBy(p => p.Index))
        {
            ct.ThrowIfCancellationRequested();
            switch (plan.Method)
            {
                case Bundle.HTTPVerb.DELETE:
                    PlanDelete(plan, pending);
                    break;
                case Bundle.HTTPVerb.POST:
                    PlanCreate(caller, plan, options, pending, identities, heads);
                    break;
                case Bundle.HTTPVerb.PUT:
                    PlanUpdate(plan, pending, identities);
                    break;
            }
        }

        foreach (var write in pending.Where(w => w.Resource is not null))
        {
            ResolveReferences(write, identities, pending);
        }

        var toWrite = pending.Where(w => !w.Skip).ToList();
        var prepared = options.CheckReferences
            ? service.PrepareWrites(caller, [.. toWrite.Select(w => w.ToPending())], null)
            : PrepareWithoutReferenceCheck(caller, toWrite);
        var committed = await service.Repository.CommitAsync(caller, prepared, ct);
        for (var i = 0; i < toWrite.Count; i++)
        {
            toWrite[i].Result = FhirService.ToResult(committed[i]);
        }

        var response = new Bundle { Type = Bundle.BundleType.TransactionResponse, Id = FhirService.NewId() };
        foreach (var plan in plans)
        {
            response.Entry.Add(plan.Method == Bundle.HTTPVerb.GET
                ? ReadEntry(caller, plan, baseUrl)
                : ResponseEntry(plan.Write?.Result ?? throw new InvalidOperationException($"entry {plan.Index} has no result"), options, baseUrl));
        }

        return response;
    }

    private IReadOnlyList<ResourceWrite> PrepareWithoutReferenceCheck(FhirCaller caller, List<PlannedWrite> writes)
    {
        foreach (var w in writes.Where(w => w.Resource is not null))
        {
            service.Validator.EnsureValid(w.Resource!, w.Location);
        }

        return [.. writes.Select(w =>
        {
            if (w.Resource is null)
            {
                return service.PrepareWrites(caller, [w.ToPending()], null)[0];
            }

            w.Resource.Id = w.Id;
            var index = SearchIndexer.Extract(w.Resource);
            return new ResourceWrite(w.ResourceType, w.Id, w.Resource, w.CurrentVersion, PatientCompartment.PatientIdOf(w.Resource, index)) { Index = index };
        })];
    }

    private async Task<Bundle> BatchAsync(FhirCaller caller, Bundle bundle, BundleOptions options, string baseUrl, CancellationToken ct)
    {
        var response = new Bundle { Type = Bundle.BundleType.BatchResponse, Id = FhirService.NewId() };
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            try
            {
                var plan = Plan(bundle.Entry[i], i);
                if (plan.Method == Bundle.HTTPVerb.GET)
                {
                    response.Entry.Add(ReadEntry(caller, plan, baseUrl));
                    continue;
                }

                var single = new Bundle { Type = Bundle.BundleType.Transaction, Entry = [bundle.Entry[i]] };
                var answer = await TransactionAsync(caller, single, options, baseUrl, ct);
                response.Entry.Add(answer.Entry[0]);
            }
            catch (FhirProblemException e)
            {
                response.Entry.Add(new Bundle.EntryComponent
                {
                    Response = new Bundle.ResponseComponent { Status = Status(e.Status), Outcome = e.Outcome },
                });
            }
        }

        return response;
    }

    private static EntryPlan Plan(Bundle.EntryComponent entry, int index)
    {
        var where = $"Bundle.entry[{index}]";
        var request = entry.Request ?? throw FhirProblemException.BadRequest($"{where} has no request (method and url)");
        if (request.Method is not { } method)
        {
            throw FhirProblemException.BadRequest($"{where}.request has no method");
        }

        if (string.IsNullOrWhiteSpace(request.Url))
        {
            throw FhirProblemException.BadRequest($"{where}.request has no url");
        }

        var url = request.Url.TrimStart('/');
        var order = method switch
        {
            Bundle.HTTPVerb.DELETE => 0,
            Bundle.HTTPVerb.POST => 1,
            Bundle.HTTPVerb.PUT => 2,
            Bundle.HTTPVerb.GET or Bundle.HTTPVerb.HEAD => 3,
            _ => throw FhirProblemException.MethodNotAllowed($"{where}: {method} is not supported in a Bundle (DELETE, POST, PUT, GET are)"),
        };
        if (method is Bundle.HTTPVerb.POST or Bundle.HTTPVerb.PUT && entry.Resource is null)
        {
            throw FhirProblemException.BadRequest($"{where}: {method} needs a resource");
        }

        return new EntryPlan(index, where, method == Bundle.HTTPVerb.HEAD ? Bundle.HTTPVerb.GET : method, url, entry.FullUrl, entry.Resource, request, order);
    }

    private void PlanDelete(EntryPlan plan, List<PlannedWrite> pending)
    {
        var (type, id, criteria) = SplitUrl(plan);
        if (criteria is not null)
        {
            var matches = service.FindMatches(type, FhirService.ParseCriteria(criteria, plan.Where), limit: 2);
            if (matches.Count > 1)
            {
                throw FhirProblemException.PreconditionFailed($"{plan.Where}: the conditional delete matched more than one {type}");
            }

            id = matches.Count == 1 ? matches[0].Id : null;
        }

        var head = id is null ? null : service.Repository.Head(type, id);
        plan.Write = new PlannedWrite(plan.Where, type, id ?? string.Empty, null, head?.Version ?? 0)
        {
            Skip = head is null || head.Deleted,
            Result = head is null || head.Deleted ? new WriteResult(StatusCodes.Status204NoContent, type, id ?? string.Empty, head?.Version ?? 0, head?.LastUpdated ?? DateTimeOffset.UnixEpoch, null) : null,
        };
        pending.Add(plan.Write);
    }

    /// <param name="heads">Kept ids' heads read beforehand (<see cref="ResourceRepository.Heads"/>); an id not among them is looked up here.</param>
    private void PlanCreate(FhirCaller caller, EntryPlan plan, BundleOptions options, List<PlannedWrite> pending, Dictionary<string, string> identities,
        Dictionary<(string ResourceType, string Id), ResourceHead?>? heads)
    {
        var resource = plan.Resource!;
        var (type, id, criteria) = SplitUrl(plan);
        if (id is not null || criteria is not null)
        {
            throw FhirProblemException.BadRequest($"{plan.Where}: a POST url is the resource type only, not '{plan.Url}'");
        }

        CheckBodyType(plan, type);
        if (plan.Request.IfNoneExist is { } ifNoneExist)
        {
            var matched = MatchOne(type, FhirService.ParseCriteria(ifNoneExist, $"{plan.Where}.request.ifNoneExist"), pending, plan.Where, "ifNoneExist");
            if (matched is not null)
            {
                plan.Write = Matched(caller, plan, type, matched.Value.Id, matched.Value.Pending);
                Remember(plan, identities, type, matched.Value.Id);
                pending.Add(plan.Write);
                return;
            }
        }

        var newId = FhirService.NewId();
        ResourceHead? head = null;
        if (options.PreserveIds && resource.Id is { } given)
        {
            if (!ResourceRepository.IsValidId(given))
            {
                throw FhirProblemException.BadRequest($"{plan.Where}: '{given}' is not a valid FHIR id");
            }

            head = heads is not null && heads.TryGetValue((type, given), out var known) ? known : service.Repository.Head(type, given);
            if (head is { Deleted: false })
            {
                plan.Write = Matched(caller, plan, type, given, null);
                Remember(plan, identities, type, given);
                pending.Add(plan.Write);
                return;
            }

            newId = given;
        }

        // A server-assigned id is new; a kept id may name a deleted resource, whose next version this becomes.
        var current = head?.Version ?? 0;
        plan.Write = new PlannedWrite(plan.Where, type, newId, resource, current);
        Remember(plan, identities, type, newId);
        pending.Add(plan.Write);
    }

    private void PlanUpdate(EntryPlan plan, List<PlannedWrite> pending, Dictionary<string, string> identities)
    {
        var resource = plan.Resource!;
        var (type, id, criteria) = SplitUrl(plan);
        CheckBodyType(plan, type);
        if (criteria is not null)
        {
            var matched = MatchOne(type, FhirService.ParseCriteria(criteria, plan.Where), pending, plan.Where, "conditional update");
            id = matched?.Id ?? resource.Id ?? FhirService.NewId();
        }
        else if (id is null)
        {
            throw FhirProblemException.BadRequest($"{plan.Where}: a PUT url is Type/id or Type?criteria, not '{plan.Url}'");
        }
        else if (resource.Id != id)
        {
            throw FhirProblemException.BadRequest($"{plan.Where}: the resource id '{resource.Id}' differs from the url's id '{id}'");
        }

        if (!ResourceRepository.IsValidId(id))
        {
            throw FhirProblemException.BadRequest($"{plan.Where}: '{id}' is not a valid FHIR id");
        }

        var current = service.Repository.Head(type, id)?.Version ?? 0;
        if (plan.Request.IfMatch is { } ifMatch)
        {
            var expected = ETags.ParseVersion(ifMatch)
                ?? throw FhirProblemException.BadRequest($"{plan.Where}: ifMatch '{ifMatch}' is not an ETag such as W/\"3\"");
            if (expected != current)
            {
                throw FhirProblemException.PreconditionFailed($"{plan.Where}: version conflict on {type}/{id}: ifMatch is {expected}, the current version is {current}");
            }
        }

        plan.Write = new PlannedWrite(plan.Where, type, id, resource, current);
        Remember(plan, identities, type, id);
        pending.Add(plan.Write);
    }

    /// <summary>Rewrites urn:uuid / fullUrl references to the ids they were given, and resolves conditional references.</summary>
    private void ResolveReferences(PlannedWrite write, Dictionary<string, string> identities, List<PlannedWrite> pending)
    {
        write.References = ResourceReferences.All(write.Resource!);
        foreach (var reference in write.References)
        {
            if (reference.Reference is not { } text)
            {
                continue;
            }

            if (identities.TryGetValue(text, out var resolved))
            {
                reference.Reference = resolved;
                continue;
            }

            var question = text.IndexOf('?', StringComparison.Ordinal);
            if (question > 0 && !text.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            {
                var type = text[..question];
                FhirService.EnsureKnownType(type);
                var matched = MatchOne(type, FhirService.ParseCriteria(text[(question + 1)..], $"{write.Location}: conditional reference"), pending, write.Location, $"conditional reference '{text}'")
                    ?? throw FhirProblemException.Unprocessable($"{write.Location}: conditional reference '{text}' matches no resource");
                reference.Reference = $"{type}/{matched.Id}";
                identities[text] = reference.Reference;
            }
        }
    }

    /// <summary>The one resource a condition matches among stored ones and those this bundle writes; null if none.</summary>
    private (string Id, PlannedWrite? Pending)? MatchOne(string type, List<KeyValuePair<string, string>> criteria, List<PlannedWrite> pending, string where, string what)
    {
        var request = SearchRequestParser.Parse(type, criteria);
        var found = new List<(string Id, PlannedWrite? Pending)>();
        foreach (var w in pending)
        {
            if (w.ResourceType == type && w.Resource is not null && !found.Any(f => f.Id == w.Id)
                && PendingMatcher.Matches(request.Query, type, w.Id, w.IndexForMatching()))
            {
                found.Add((w.Id, w));
            }
        }

        foreach (var head in service.Repository.Query(request.Query with { Skip = 0, Take = 2 }).Records)
        {
            if (!found.Any(f => f.Id == head.Id) && !pending.Any(p => p.ResourceType == type && p.Id == head.Id && p.Resource is null))
            {
                found.Add((head.Id, null));
            }
        }

        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw FhirProblemException.PreconditionFailed($"{where}: the {what} matches more than one {type}"),
        };
    }

    private PlannedWrite Matched(FhirCaller caller, EntryPlan plan, string type, string id, PlannedWrite? pendingWrite)
    {
        var head = service.Repository.Head(type, id);
        var write = new PlannedWrite(plan.Where, type, id, null, head?.Version ?? 0) { Skip = true, MatchedPending = pendingWrite };
        if (pendingWrite is null && head is not null)
        {
            write.Result = new WriteResult(StatusCodes.Status200OK, type, id, head.Version, head.LastUpdated,
                service.Repository.ReadResource(caller, type, id));
        }

        return write;
    }

    private static void Remember(EntryPlan plan, Dictionary<string, string> identities, string type, string id)
    {
        if (plan.FullUrl is { } fullUrl)
        {
            identities[fullUrl] = $"{type}/{id}";
        }
    }

    private Bundle.EntryComponent ReadEntry(FhirCaller caller, EntryPlan plan, string baseUrl)
    {
        try
        {
            var (type, id, criteria) = SplitUrl(plan);
            if (id is null)
            {
                var search = service.Search(caller, SearchRequestParser.Parse(type, criteria is null ? [] : FhirService.ParseCriteria(criteria, plan.Where)), baseUrl);
                return new Bundle.EntryComponent { Resource = search, Response = new Bundle.ResponseComponent { Status = "200 OK" } };
            }

            var (json, head) = service.Read(caller, type, id);
            return new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{type}/{id}",
                Resource = FhirSerialization.ParseJson(json),
                Response = new Bundle.ResponseComponent { Status = "200 OK", Etag = $"W/\"{head.Version}\"", LastModified = head.LastUpdated },
            };
        }
        catch (FhirProblemException e)
        {
            return new Bundle.EntryComponent { Response = new Bundle.ResponseComponent { Status = Status(e.Status), Outcome = e.Outcome } };
        }
    }

    private static Bundle.EntryComponent ResponseEntry(WriteResult result, BundleOptions options, string baseUrl)
    {
        var entry = new Bundle.EntryComponent
        {
            Response = new Bundle.ResponseComponent
            {
                Status = Status(result.Status),
                Location = result.Status == StatusCodes.Status204NoContent ? null : result.Location,
                Etag = result.Version > 0 ? result.ETag : null,
                LastModified = result.Version > 0 ? result.LastUpdated : null,
            },
        };
        if (result.Resource is not null && result.Status != StatusCodes.Status204NoContent)
        {
            entry.FullUrl = $"{baseUrl}/{result.ResourceType}/{result.Id}";
            if (options.ReturnResources)
            {
                entry.Resource = result.Resource;
            }
        }

        return entry;
    }

    private static (string Type, string? Id, string? Criteria) SplitUrl(EntryPlan plan)
    {
        var url = plan.Url;
        string? criteria = null;
        var question = url.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            criteria = url[(question + 1)..];
            url = url[..question];
        }

        var parts = url.Split('/');
        var type = parts[0];
        FhirService.EnsureKnownType(type);
        return parts.Length switch
        {
            1 => (type, null, criteria),
            2 when criteria is null => (type, parts[1], null),
            _ => throw FhirProblemException.BadRequest($"{plan.Where}: request url '{plan.Url}' is not Type, Type/id or Type?criteria"),
        };
    }

    private static void CheckBodyType(EntryPlan plan, string type)
    {
        if (plan.Resource!.TypeName != type)
        {
            throw FhirProblemException.BadRequest($"{plan.Where}: the resource is a {plan.Resource.TypeName}, but the request url is for {type}");
        }
    }

    private static string Status(int code) => code switch
    {
        200 => "200 OK",
        201 => "201 Created",
        204 => "204 No Content",
        _ => code.ToString(CultureInfo.InvariantCulture),
    };

    private sealed record EntryPlan(int Index, string Where, Bundle.HTTPVerb Method, string Url, string? FullUrl, Resource? Resource,
        Bundle.RequestComponent Request, int Order)
    {
        public PlannedWrite? Write { get; set; }
    }

    private sealed record PlannedWrite(string Location, string ResourceType, string Id, Resource? Resource, int CurrentVersion)
    {
        private IReadOnlyList<IndexEntry>? index;

        /// <summary>No write: a conditional create that matched, an import of an existing id, a delete of nothing.</summary>
        public bool Skip { get; init; }

        /// <summary>The write of this bundle that a conditional create matched (its result is that write's).</summary>
        public PlannedWrite? MatchedPending { get; init; }

        private WriteResult? result;

        public WriteResult? Result
        {
            get => result ?? (MatchedPending?.Result is { } matched ? matched with { Status = StatusCodes.Status200OK } : null);
            set => result = value;
        }

        public IReadOnlyList<IndexEntry> IndexForMatching() => index ??= SearchIndexer.Extract(Resource!);

        /// <summary>The resource's references, found while resolving them (resolving changes their text, not which they are).</summary>
        public List<ResourceReference>? References { get; set; }

        public PendingWrite ToPending() => new(ResourceType, Id, Resource, CurrentVersion, Location) { References = References };
    }
}
