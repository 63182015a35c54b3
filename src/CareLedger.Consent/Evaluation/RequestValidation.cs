using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;

namespace CareLedger.Consent.Evaluation;

/// <summary>Rejects incomplete or contradictory requests with a message naming what is wrong.</summary>
internal static class RequestValidation
{
    public static void Validate(AccessRequest request, PatientId patient)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Patient != patient)
        {
            throw Invalid("is for another patient than the compiled consent set");
        }

        RequireComplete(request.Action, "Action");
        RequireComplete(request.Purpose, "Purpose");

        var requester = request.Requester ?? throw Invalid("has no Requester");
        if (string.IsNullOrWhiteSpace(requester.Reference))
        {
            throw Invalid("has a Requester without a reference");
        }

        RequireComplete(requester.Roles, "Requester.Roles");
        RequireReferences(requester.Groups, "Requester.Groups");
        if (requester.Organization is not null && string.IsNullOrWhiteSpace(requester.Organization))
        {
            throw Invalid("has an empty Requester.Organization");
        }

        var resource = request.Resource ?? throw Invalid("has no Resource");
        if (string.IsNullOrWhiteSpace(resource.ResourceType))
        {
            throw Invalid("has a Resource without a resource type");
        }

        RequireComplete(resource.SecurityLabels, "Resource.SecurityLabels");
        RequireComplete(resource.Classes, "Resource.Classes");
        if (resource.Codes is not null)
        {
            RequireComplete(resource.Codes, "Resource.Codes");
        }

        if (resource.References is not null)
        {
            RequireReferences(resource.References, "Resource.References");
        }

        if (resource.ReferencedBy is not null)
        {
            RequireReferences(resource.ReferencedBy, "Resource.ReferencedBy");
        }

        if (resource.Authors is not null)
        {
            RequireReferences(resource.Authors, "Resource.Authors");
        }

        if (request.Delegation is { } delegation)
        {
            ValidateDelegation(request, delegation);
        }
    }

    private static void ValidateDelegation(AccessRequest request, DelegationFacts delegation)
    {
        if (request.BreakGlass is not null)
        {
            throw Invalid("is both delegated and break-glass; emergency access is for clinicians, not delegates");
        }

        if (delegation.Kind == DelegateKind.Unspecified || !Enum.IsDefined(delegation.Kind))
        {
            throw Invalid($"has an unknown delegate kind ({(int)delegation.Kind})");
        }

        var scope = delegation.Scope ?? throw Invalid("has a Delegation without a scope");
        if (scope.Period.IsEmpty)
        {
            throw Invalid("has a delegation scope whose period ends before it starts");
        }

        RequireComplete(scope.Actions, "Delegation.Scope.Actions");
        RequireComplete(scope.Classes, "Delegation.Scope.Classes");
    }

    private static void RequireComplete(Coding coding, string name)
    {
        if (!coding.IsComplete)
        {
            throw Invalid($"has an incomplete {name} (a coding needs a system and a code)");
        }
    }

    private static void RequireComplete(IReadOnlyList<Coding>? codings, string name)
    {
        if (codings is null)
        {
            throw Invalid($"has a null {name} list");
        }

        for (var i = 0; i < codings.Count; i++)
        {
            RequireComplete(codings[i], $"{name}[{i}]");
        }
    }

    private static void RequireReferences(IReadOnlyList<string>? references, string name)
    {
        if (references is null)
        {
            throw Invalid($"has a null {name} list");
        }

        for (var i = 0; i < references.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(references[i]))
            {
                throw Invalid($"has an empty reference at {name}[{i}]");
            }
        }
    }

    private static ArgumentException Invalid(string what) => new($"The access request {what}.");
}
