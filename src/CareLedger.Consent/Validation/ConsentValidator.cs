using CareLedger.Consent.Model;
using CareLedger.Consent.Vocabulary;

namespace CareLedger.Consent.Validation;

/// <summary>
/// Finds everything malformed or contradictory in a consent, all at once, so that a Consent resource can be
/// rejected with every problem listed (the node turns them into one OperationOutcome).
/// </summary>
public static class ConsentValidator
{
    /// <summary>Deeper nesting than this is rejected: it is never meaningful and it bounds evaluation.</summary>
    public const int MaxNestingDepth = 16;

    private static readonly string[] ScopeCodes = ["patient-privacy", "research", "treatment", "adr"];

    public static IReadOnlyList<ConsentProblem> Validate(ConsentDirective consent)
    {
        var problems = new List<ConsentProblem>();
        Validate(consent, problems);
        return problems;
    }

    internal static void Validate(ConsentDirective? consent, List<ConsentProblem> problems)
    {
        if (consent is null)
        {
            problems.Add(new ConsentProblem(null, "Consent", "is null"));
            return;
        }

        ConsentId? id = consent.Id.Value is null ? null : consent.Id;
        void Problem(string path, string message) => problems.Add(new ConsentProblem(id, path, message));

        if (id is null)
        {
            Problem("id", "is missing");
        }

        if (consent.Patient.Value is null)
        {
            Problem("patient", "is missing");
        }

        if (consent.Status == ConsentStatus.Unspecified || !Enum.IsDefined(consent.Status))
        {
            Problem("status", $"is missing or unknown ({(int)consent.Status})");
        }

        if (consent.Scope.System != CodeSystems.ConsentScope || Array.IndexOf(ScopeCodes, consent.Scope.Code) < 0)
        {
            Problem("scope", $"'{consent.Scope}' is not a consentscope code (patient-privacy, research, treatment, adr)");
        }

        if (consent.PolicyRule is { IsComplete: false })
        {
            Problem("policyRule", "needs a system and a code");
        }

        if (consent.Provision is null)
        {
            Problem("provision", "is missing; the base provision is what decides");
            return;
        }

        ValidateProvision(consent.Provision, "provision", 1, Period.Always, Problem);
    }

    private static void ValidateProvision(
        ProvisionNode provision, string path, int depth, Period parentPeriod, Action<string, string> problem)
    {
        if (depth > MaxNestingDepth)
        {
            problem(path, $"is nested deeper than {MaxNestingDepth} levels");
            return;
        }

        if (provision.Type == ProvisionType.Unspecified || !Enum.IsDefined(provision.Type))
        {
            problem(path + ".type", $"is missing or unknown ({(int)provision.Type}); expected permit or deny");
        }

        var period = provision.Period ?? Period.Always;
        if (provision.Period is { IsEmpty: true } empty)
        {
            problem(path + ".period", $"ends at {empty.End:O}, which is not after its start {empty.Start:O}");
        }
        else if (!parentPeriod.IsEmpty && !period.Overlaps(parentPeriod))
        {
            problem(path + ".period", "lies outside its parent's period, so it can never apply");
        }

        if (provision.DataPeriod is { IsEmpty: true } emptyData)
        {
            problem(path + ".dataPeriod", $"ends at {emptyData.End:O}, which is not after its start {emptyData.Start:O}");
        }

        ValidateActors(provision.Actors, path, problem);
        ValidateCodings(provision.Actions, path + ".action", problem);
        ValidateCodings(provision.SecurityLabels, path + ".securityLabel", problem);
        ValidateCodings(provision.Purposes, path + ".purpose", problem);
        ValidateCodings(provision.Classes, path + ".class", problem);
        ValidateCodings(provision.Codes, path + ".code", problem);
        ValidateData(provision.Data, path, problem);

        if (provision.Provisions is null)
        {
            problem(path + ".provision", "list is null");
            return;
        }

        var effectivePeriod = Intersect(parentPeriod, period);
        for (var i = 0; i < provision.Provisions.Count; i++)
        {
            var childPath = $"{path}.provision[{i}]";
            if (provision.Provisions[i] is { } child)
            {
                ValidateProvision(child, childPath, depth + 1, effectivePeriod, problem);
            }
            else
            {
                problem(childPath, "is null");
            }
        }
    }

    private static void ValidateActors(IReadOnlyList<ProvisionActor>? actors, string path, Action<string, string> problem)
    {
        if (actors is null)
        {
            problem(path + ".actor", "list is null");
            return;
        }

        for (var i = 0; i < actors.Count; i++)
        {
            var actorPath = $"{path}.actor[{i}]";
            switch (actors[i])
            {
                case null:
                    problem(actorPath, "is null");
                    break;
                case { Role: null, Reference: null }:
                    problem(actorPath, "needs a role or a reference");
                    break;
                case var actor:
                    if (actor.Reference is not null && string.IsNullOrWhiteSpace(actor.Reference))
                    {
                        problem(actorPath + ".reference", "is empty");
                    }

                    if (actor.Role is { IsComplete: false })
                    {
                        problem(actorPath + ".role", "needs a system and a code");
                    }

                    break;
            }
        }
    }

    private static void ValidateCodings(IReadOnlyList<Coding>? codings, string path, Action<string, string> problem)
    {
        if (codings is null)
        {
            problem(path, "list is null");
            return;
        }

        for (var i = 0; i < codings.Count; i++)
        {
            if (!codings[i].IsComplete)
            {
                problem($"{path}[{i}]", "needs a system and a code");
            }
        }
    }

    private static void ValidateData(IReadOnlyList<DataReference>? data, string path, Action<string, string> problem)
    {
        if (data is null)
        {
            problem(path + ".data", "list is null");
            return;
        }

        for (var i = 0; i < data.Count; i++)
        {
            var dataPath = $"{path}.data[{i}]";
            if (data[i] is not { } reference)
            {
                problem(dataPath, "is null");
                continue;
            }

            if (reference.Meaning == DataMeaning.Unspecified || !Enum.IsDefined(reference.Meaning))
            {
                problem(dataPath + ".meaning", $"is missing or unknown ({(int)reference.Meaning})");
            }

            if (string.IsNullOrWhiteSpace(reference.Reference))
            {
                problem(dataPath + ".reference", "is empty");
            }
        }
    }

    private static Period Intersect(Period a, Period b) => new(
        a.Start is { } aStart && (b.Start is not { } bStart || aStart > bStart) ? aStart : b.Start,
        a.End is { } aEnd && (b.End is not { } bEnd || aEnd < bEnd) ? aEnd : b.End);
}
