using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Terminology;

namespace CareLedger.Fhir.Validation;

/// <summary>
/// Remembers the answers of the local terminology service. The same few hundred codes recur in every record
/// (LOINC vital signs, status codes), and a value-set check costs more than the rest of a resource's validation.
/// The cache is bounded so that a stream of distinct codes cannot grow it without limit.
/// </summary>
internal sealed class MemoizingTerminologyService(ICodeValidationTerminologyService inner, int capacity = 50_000) : ICodeValidationTerminologyService
{
    private readonly ConcurrentDictionary<string, Task<Parameters>> answers = new(StringComparer.Ordinal);

    public Task<Parameters> ValueSetValidateCode(Parameters parameters, string? id = null, bool useGet = false)
    {
        var key = id + "|" + FhirSerialization.ToJson(parameters);
        if (answers.TryGetValue(key, out var known))
        {
            return known;
        }

        var answer = inner.ValueSetValidateCode(parameters, id, useGet);
        if (answers.Count < capacity)
        {
            answers.TryAdd(key, answer);
        }

        return answer;
    }

    public Task<Parameters> Subsumes(Parameters parameters, string? id = null, bool useGet = false) =>
        inner.Subsumes(parameters, id, useGet);
}
