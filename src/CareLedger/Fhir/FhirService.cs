using System.Collections.Concurrent;
using System.Globalization;
using CareLedger.Fhir.Errors;
using CareLedger.Fhir.Search;
using CareLedger.Fhir.Storage;
using CareLedger.Fhir.Validation;
using CareLedger.Vault.Search;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir;

/// <summary>
/// The FHIR R4 operations on resource objects: create, read, vread, update, delete, history and search, each write
/// validated against the base specification, checked for references to nothing, indexed and committed through the
/// <see cref="ResourceRepository"/> (vault + ledger). The HTTP endpoints and the importer are thin layers over this.
/// </summary>
public sealed partial class FhirService(ResourceRepository repository, FhirServerOptions options)
{
    public ResourceRepository Repository => repository;

    public FhirServerOptions Options => options;

    public ResourceValidator Validator => ResourceValidator.Shared;

    public async Task<WriteResult> CreateAsync(FhirCaller caller, Resource resource, string? ifNoneExist, CancellationToken ct)
    {
        if (ifNoneExist is not null)
        {
            var matches = FindMatches(resource.TypeName, ParseCriteria(ifNoneExist, "If-None-Exist"), limit: 2);
            if (matches.Count > 1)
            {
                throw FhirProblemException.PreconditionFailed($"If-None-Exist matched {matches.Count} or more {resource.TypeName} resources; it must match at most one");
            }

            if (matches.Count == 1)
            {
                return Existing(caller, matches[0]);
            }
        }

        var id = NewId();
        var write = PrepareWrites(caller, [new PendingWrite(resource.TypeName, id, resource, 0, resource.TypeName)], null)[0];
        var committed = await repository.CommitAsync(caller, [write], ct);
        return ToResult(committed[0]);
    }

    public async Task<WriteResult> UpdateAsync(FhirCaller caller, string type, string id, Resource resource, int? ifMatchVersion, CancellationToken ct)
    {
        EnsureTypeMatches(type, resource);
        if (resource.Id is null)
        {
            throw FhirProblemException.BadRequest("an update must carry the resource id in the body (Resource.id), equal to the id in the URL");
        }

        if (resource.Id != id)
        {
            throw FhirProblemException.BadRequest($"the body's id '{resource.Id}' differs from the URL's id '{id}'");
        }

        if (!ResourceRepository.IsValidId(id))
        {
            throw FhirProblemException.BadRequest($"'{id}' is not a valid FHIR id (1-64 of A-Z a-z 0-9 - .)");
        }

        var head = repository.Head(type, id);
        var current = head?.Version ?? 0;
        if (ifMatchVersion is { } expected && expected != current)
        {
            throw FhirProblemException.PreconditionFailed(
                $"version conflict: If-Match asks for version {expected} of {type}/{id}, but the current version is {current}");
        }

        var write = PrepareWrites(caller, [new PendingWrite(type, id, resource, current, $"{type}/{id}")], null)[0];
        var committed = await repository.CommitAsync(caller, [write], ct);
        var result = ToResult(committed[0]);
        // Writing over a deleted resource brings it back: that is a create (201), not an update.
        return head?.Deleted == true ? result with { Status = StatusCodes.Status201Created } : result;
    }

    /// <summary>Conditional delete: deletes the one match (204), nothing if none, 412 if several.</summary>
    public async Task<WriteResult> ConditionalDeleteAsync(FhirCaller caller, string type, IReadOnlyList<KeyValuePair<string, string>> criteria, CancellationToken ct)
    {
        EnsureKnownType(type);
        var matches = FindMatches(type, criteria, limit: 2);
        return matches.Count switch
        {
            0 => new WriteResult(StatusCodes.Status204NoContent, type, string.Empty, 0, DateTimeOffset.UnixEpoch, null),
            1 => await DeleteAsync(caller, type, matches[0].Id, ct),
            _ => throw FhirProblemException.PreconditionFailed($"the conditional delete matched more than one {type}; it must match at most one"),
        };
    }

    public async Task<WriteResult> ConditionalUpdateAsync(FhirCaller caller, string type, IReadOnlyList<KeyValuePair<string, string>> criteria, Resource resource, CancellationToken ct)
    {
        EnsureTypeMatches(type, resource);
        var matches = FindMatches(type, criteria, limit: 2);
        switch (matches.Count)
        {
            case > 1:
                throw FhirProblemException.PreconditionFailed($"the conditional update matched {matches.Count} or more {type} resources; it must match at most one");
            case 1:
                if (resource.Id is not null && resource.Id != matches[0].Id)
                {
                    throw FhirProblemException.BadRequest($"the body's id '{resource.Id}' differs from the matched resource's id '{matches[0].Id}'");
                }

                resource.Id = matches[0].Id;
                return await UpdateAsync(caller, type, matches[0].Id, resource, null, ct);
            default:
                if (resource.Id is not null)
                {
                    return await UpdateAsync(caller, type, resource.Id, resource, null, ct);
                }

                return await CreateAsync(caller, resource, null, ct);
        }
    }

    public async Task<WriteResult> DeleteAsync(FhirCaller caller, string type, string id, CancellationToken ct)
    {
        EnsureKnownType(type);
        var head = repository.Head(type, id);
        if (head is null || head.Deleted)
        {
            // Deleting what is not there succeeds without a new version (FHIR allows 200/204 here).
            return new WriteResult(StatusCodes.Status204NoContent, type, id, head?.Version ?? 0, head?.LastUpdated ?? DateTimeOffset.UnixEpoch, null);
        }

        var patientId = PatientIdOfStored(caller, type, id);
        var write = new ResourceWrite(type, id, null, head.Version, patientId);
        var committed = await repository.CommitAsync(caller, [write], ct);
        return ToResult(committed[0]);
    }

    /// <summary>The current version's canonical JSON and head; 404 if it never existed, 410 if deleted.</summary>
    public (byte[] Json, ResourceHead Head) Read(FhirCaller caller, string type, string id)
    {
        EnsureKnownType(type);
        if (repository.Read(caller, type, id) is { } disclosed)
        {
            return (disclosed.Json, new ResourceHead(type, id, disclosed.Address.Version, false, disclosed.LastUpdated, null));
        }

        var head = repository.Head(type, id) ?? throw FhirProblemException.NotFound($"{type}/{id} does not exist");
        throw head.Deleted
            ? FhirProblemException.Gone($"{type}/{id} was deleted (version {head.Version})")
            : FhirProblemException.NotFound($"{type}/{id} does not exist");
    }

    public (byte[] Json, ResourceHead Head) VRead(FhirCaller caller, string type, string id, string version)
    {
        EnsureKnownType(type);
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            throw FhirProblemException.NotFound($"'{version}' is not a version of {type}/{id}");
        }

        var history = repository.History(type, id);
        var head = history.FirstOrDefault(h => h.Version == number)
            ?? throw FhirProblemException.NotFound($"{type}/{id} has no version {number}");
        if (head.Deleted)
        {
            throw FhirProblemException.Gone($"version {number} of {type}/{id} is its deletion");
        }

        var disclosed = repository.ReadVersion(caller, type, id, number) ?? throw FhirProblemException.NotFound($"{type}/{id} has no version {number}");
        return (disclosed.Json, head);
    }

    /// <summary>The resources of one type that match a search, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<RecordHead> FindMatches(string type, IReadOnlyList<KeyValuePair<string, string>> criteria, int limit)
    {
        if (criteria.Count == 0)
        {
            throw FhirProblemException.BadRequest("a conditional operation needs at least one search parameter");
        }

        var request = SearchRequestParser.Parse(type, criteria);
        return repository.Query(request.Query with { Take = limit, Skip = 0 }).Records;
    }

    /// <summary>
    /// Validates (in parallel: validation is most of a write's cost), checks that every literal reference points to a
    /// stored resource or to one written alongside, extracts the search index and the patient compartment.
    /// Every problem of every resource is reported at once (400 for invalid content, 422 for references to nothing).
    /// </summary>
    public IReadOnlyList<ResourceWrite> PrepareWrites(FhirCaller caller, IReadOnlyList<PendingWrite> pending, IReadOnlySet<string>? alsoWritten)
    {
        var invalid = new ConcurrentBag<(int Index, IReadOnlyList<OperationOutcome.IssueComponent> Issues)>();
        Parallel.For(0, pending.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            if (pending[i].Resource is { } resource)
            {
                var errors = Validator.Errors(resource);
                if (errors.Count > 0)
                {
                    invalid.Add((i, errors));
                }
            }
        });
        if (!invalid.IsEmpty)
        {
            throw new FhirProblemException(StatusCodes.Status400BadRequest, new OperationOutcome
            {
                Issue = [.. invalid.OrderBy(x => x.Index).SelectMany(x => OperationOutcomes.Located(new OperationOutcome { Issue = [.. x.Issues] }, pending[x.Index].Location))],
            });
        }

        var written = new HashSet<string>(pending.Where(p => p.Resource is not null).Select(p => p.ResourceType + "/" + p.Id), StringComparer.Ordinal);
        if (alsoWritten is not null)
        {
            written.UnionWith(alsoWritten);
        }

        var dangling = new List<OperationOutcome.IssueComponent>();
        var existing = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var p in pending)
        {
            if (p.Resource is null)
            {
                continue;
            }

            foreach (var reference in p.References ?? ResourceReferences.All(p.Resource))
            {
                if (reference.Reference is not { } text || IsExternalOrLocal(text))
                {
                    continue;
                }

                if (text.StartsWith("urn:", StringComparison.Ordinal) || text.Contains('?', StringComparison.Ordinal))
                {
                    dangling.Add(Issue(OperationOutcome.IssueType.NotFound, $"{p.Location}: reference '{text}' was not resolved (no entry of this bundle has that fullUrl, or it is a condition outside a transaction)"));
                    continue;
                }

                var key = SearchIndexer.ReferenceKey(text);
                if (key is null || written.Contains(key))
                {
                    continue;
                }

                if (!existing.TryGetValue(key, out var exists))
                {
                    var slash = key.IndexOf('/', StringComparison.Ordinal);
                    exists = repository.Head(key[..slash], key[(slash + 1)..]) is { Deleted: false };
                    existing[key] = exists;
                }

                if (!exists)
                {
                    dangling.Add(Issue(OperationOutcome.IssueType.NotFound, $"{p.Location}: reference '{text}' points to a resource that does not exist"));
                }
            }
        }

        if (dangling.Count > 0)
        {
            throw new FhirProblemException(StatusCodes.Status422UnprocessableEntity, new OperationOutcome { Issue = dangling });
        }

        return [.. pending.Select(p =>
        {
            if (p.Resource is null)
            {
                return new ResourceWrite(p.ResourceType, p.Id, null, p.CurrentVersion, PatientIdOfStored(caller, p.ResourceType, p.Id));
            }

            p.Resource.Id = p.Id;
            var index = SearchIndexer.Extract(p.Resource);
            return new ResourceWrite(p.ResourceType, p.Id, p.Resource, p.CurrentVersion, PatientCompartment.PatientIdOf(p.Resource, index)) { Index = index };
        })];
    }

    public static string NewId() => Guid.NewGuid().ToString("D");

    public static WriteResult ToResult(CommittedWrite c) => new(
        c.Write.IsDelete ? StatusCodes.Status204NoContent : c.Version == 1 || c.Write.CurrentVersion == 0 ? StatusCodes.Status201Created : StatusCodes.Status200OK,
        c.Write.ResourceType, c.Write.Id, c.Version, c.LastUpdated, c.Write.Resource);

    public static List<KeyValuePair<string, string>> ParseCriteria(string query, string what)
    {
        var text = query.StartsWith('?') ? query[1..] : query;
        if (text.Length == 0)
        {
            throw FhirProblemException.BadRequest($"{what} is empty; it must be search parameters such as identifier=system|value");
        }

        return [.. text.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            return eq < 0
                ? throw FhirProblemException.BadRequest($"{what}: '{pair}' is not name=value")
                : new KeyValuePair<string, string>(Uri.UnescapeDataString(pair[..eq]), Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' ')));
        })];
    }

    public static void EnsureKnownType(string type)
    {
        if (!ModelInfo.IsKnownResource(type))
        {
            throw FhirProblemException.NotFound($"unknown resource type '{type}'");
        }
    }

    private static void EnsureTypeMatches(string type, Resource resource)
    {
        EnsureKnownType(type);
        if (resource.TypeName != type)
        {
            throw FhirProblemException.BadRequest($"the body is a {resource.TypeName}, but the URL is for {type}");
        }
    }

    private WriteResult Existing(FhirCaller caller, RecordHead head)
    {
        var resource = repository.ReadResource(caller, head.ResourceType, head.Id);
        return new WriteResult(StatusCodes.Status200OK, head.ResourceType, head.Id, head.Version,
            DateTimeOffset.FromUnixTimeMilliseconds(head.LastUpdatedUnixMs), resource);
    }

    /// <summary>
    /// A delete stays in the compartment of the resource it deletes (the vault refuses a move); finding it means reading
    /// the resource, so a caller deletes only what the access layer lets them read.
    /// </summary>
    private string? PatientIdOfStored(FhirCaller caller, string type, string id)
    {
        if (type == "Patient")
        {
            return id;
        }

        var stored = repository.ReadResource(caller, type, id);
        return stored is null ? null : PatientCompartment.PatientIdOf(stored, SearchIndexer.Extract(stored));
    }

    private static bool IsExternalOrLocal(string reference) =>
        reference.StartsWith('#') || reference.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || reference.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueType code, string diagnostics) =>
        new() { Severity = OperationOutcome.IssueSeverity.Error, Code = code, Diagnostics = diagnostics };
}
