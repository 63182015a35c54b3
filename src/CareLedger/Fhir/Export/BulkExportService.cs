using System.Collections.Concurrent;
using CareLedger.Access.Gate;
using CareLedger.Fhir.Errors;
using CareLedger.Vault;
using CareLedger.Fhir.Storage;
using CareLedger.Vault.Search;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace CareLedger.Fhir.Export;

/// <summary>
/// FHIR Bulk Data $export (system, Patient, Group) with the asynchronous pattern: kick-off → status polling →
/// NDJSON download. Files are written under the node's export directory and deleted after the retention period
/// or on DELETE. Each job's <see cref="ExportJobRecord"/> is kept beside its files, so a restart of the node keeps
/// finished jobs (until they expire) and reports the ones it interrupted as failed.
/// </summary>
public sealed class BulkExportService(FhirService service, ILogger<BulkExportService> logger) : BackgroundService
{
    private const int PageSize = 500;
    private readonly ConcurrentDictionary<string, ExportJob> jobs = new(StringComparer.Ordinal);

    public bool Enabled => service.Options.ExportDirectory is not null;

    /// <summary>Starts an export. <paramref name="patientIds"/> null: every resource (system level); else those patients' compartments.</summary>
    public ExportJob Start(FhirCaller caller, string request, IReadOnlyList<string>? types, DateTimeOffset? since, Func<IReadOnlyList<string>>? patientIds)
    {
        var root = service.Options.ExportDirectory ?? throw FhirProblemException.NotSupported("bulk export is not enabled on this node");
        foreach (var type in types ?? [])
        {
            FhirService.EnsureKnownType(type);
            // Asked-for types the caller may not export are refused now (403, audited), not silently left out.
            service.Repository.RequireScope(caller, AccessAction.Export, type, $"bulk export {type}");
        }

        var id = Guid.NewGuid().ToString("N");
        var job = new ExportJob(id, request, DateTimeOffset.UtcNow, Path.Combine(root, id), caller.Who.Subject);
        Directory.CreateDirectory(job.Directory);
        job.ToRecord().Write(job.Directory);
        jobs[id] = job;
        job.Work = Task.Run(() => Run(job, caller, types, since, patientIds), CancellationToken.None);
        return job;
    }

    public ExportJob? Find(string id) => jobs.TryGetValue(id, out var job) ? job : null;

    public async Task<bool> CancelAsync(string id)
    {
        if (!jobs.TryRemove(id, out var job))
        {
            return false;
        }

        await job.Cancellation.CancelAsync();
        if (job.Work is { } work)
        {
            await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        DeleteFiles(job);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Before the first await: StartAsync runs this part, so the jobs are back before the server takes requests.
        Restore();

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var cutoff = DateTimeOffset.UtcNow - service.Options.ExportRetention;
            foreach (var job in jobs.Values.Where(j => j.CompletedAt < cutoff).ToList())
            {
                await CancelAsync(job.Id);
            }
        }
    }

    /// <summary>The jobs of an earlier run of the node: finished ones still served, interrupted ones failed, the rest removed.</summary>
    private void Restore()
    {
        if (service.Options.ExportDirectory is not { } root || !Directory.Exists(root))
        {
            return;
        }

        var cutoff = DateTimeOffset.UtcNow - service.Options.ExportRetention;
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            var record = ExportJobRecord.Read(directory);
            if (record is null || record.Id != Path.GetFileName(directory) || record.CompletedAt < cutoff)
            {
                Directory.Delete(directory, recursive: true);
                continue;
            }

            var job = ExportJob.FromRecord(record, directory);
            if (job.CompletedAt is null)
            {
                // Its files are incomplete: they go, and its client hears why.
                foreach (var file in Directory.EnumerateFiles(directory).Where(f => Path.GetFileName(f) != ExportJobRecord.FileName))
                {
                    File.Delete(file);
                }

                job.Files.Clear();
                job.Error = "the node restarted while the export ran; kick it off again";
                job.CompletedAt = DateTimeOffset.UtcNow;
                job.ToRecord().Write(directory);
            }

            jobs[job.Id] = job;
        }
    }

    private void Run(ExportJob job, FhirCaller caller, IReadOnlyList<string>? types, DateTimeOffset? since, Func<IReadOnlyList<string>>? patientIds)
    {
        try
        {
            var ct = job.Cancellation.Token;
            var patients = patientIds?.Invoke();
            var selected = types ?? [.. (patients is null ? ModelInfo.SupportedResources.Where(ModelInfo.IsKnownResource) : PatientCompartmentTypes)
                .Where(t => caller.Who.Scopes.Permits(t, AccessAction.Export))];
            foreach (var type in selected.Order(StringComparer.Ordinal))
            {
                ct.ThrowIfCancellationRequested();
                var fileName = type + ".ndjson";
                var path = Path.Combine(job.Directory, fileName);
                long count = 0;
                using (var file = new FileStream(path, ExportFileOptions()))
                {
                    foreach (var json in Resources(caller, type, since, patients, ct))
                    {
                        file.Write(json);
                        file.WriteByte((byte)'\n');
                        count++;
                        job.CountOne();
                    }
                }

                if (count == 0)
                {
                    File.Delete(path);
                    continue;
                }

                lock (job.Files)
                {
                    job.Files.Add(new ExportFile(type, fileName, count));
                }
            }
        }
        catch (OperationCanceledException)
        {
            job.Error = "cancelled";
        }
        catch (Exception e) when (e is FhirProblemException or IOException or UnauthorizedAccessException)
        {
            job.Error = e.Message;
            logger.LogWarning("bulk export {Job} failed: {Type}", job.Id, e.GetType().Name);
        }
        finally
        {
            job.CompletedAt = DateTimeOffset.UtcNow;
            SaveEnd(job);
        }
    }

    /// <summary>The end of a job on disk; a cancelled job's folder is being deleted, and a failure here only costs a restart's memory of it.</summary>
    private void SaveEnd(ExportJob job)
    {
        if (job.Cancellation.IsCancellationRequested || !Directory.Exists(job.Directory))
        {
            return;
        }

        try
        {
            job.ToRecord().Write(job.Directory);
        }
        catch (IOException e)
        {
            logger.LogWarning("bulk export {Job}: its record could not be saved: {Type}", job.Id, e.GetType().Name);
        }
    }

    /// <summary>Every resource of the type (in the patients' compartments), each page disclosed by the access layer.</summary>
    private IEnumerable<byte[]> Resources(FhirCaller caller, string type, DateTimeOffset? since, IReadOnlyList<string>? patients, CancellationToken ct)
    {
        IEnumerable<string?> compartments = patients is null ? new string?[] { null } : patients.Select(p => (string?)p);
        foreach (var patient in compartments)
        {
            var query = new VaultQuery(type)
            {
                PatientId = patient,
                Sort = [VaultSort.ById()],
                Take = PageSize,
                LastUpdated = since is { } s ? [new DateCondition(SearchPrefix.Ge, s.ToUnixTimeMilliseconds(), s.ToUnixTimeMilliseconds())] : [],
            };
            for (var skip = 0; ; skip += PageSize)
            {
                ct.ThrowIfCancellationRequested();
                var page = service.Repository.Query(query with { Skip = skip }).Records;
                var disclosure = service.Repository.ReadMany(caller, AccessAction.Export,
                    [.. page.Select(h => new RecordAddress(h.ResourceType, h.Id, 0))], $"bulk export {type}");
                foreach (var record in disclosure.Records)
                {
                    yield return record.Json;
                }

                if (page.Count < PageSize)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Export files hold plaintext records: readable by the node's user only.</summary>
    private static FileStreamOptions ExportFileOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 64 * 1024 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    private static void DeleteFiles(ExportJob job)
    {
        if (Directory.Exists(job.Directory))
        {
            Directory.Delete(job.Directory, recursive: true);
        }
    }

    /// <summary>The types a Patient-level export covers: those that can belong to a patient's compartment.</summary>
    internal static readonly string[] PatientCompartmentTypes =
    [
        .. ModelInfo.SupportedResources.Where(t => ModelInfo.IsKnownResource(t) && (t == "Patient" || Search.SearchParameterCatalog.Instance.Find(t, "patient") is not null
            || Search.SearchParameterCatalog.Instance.Find(t, "subject") is { } s && s.Targets.Contains("Patient"))),
    ];
}
