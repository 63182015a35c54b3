using CareLedger.Consent.Model;
using CareLedger.Consent.Requests;

namespace CareLedger.Consent.Tests.Fixtures;

/// <summary>Short ways to vary <see cref="Given.Read"/> in the tables.</summary>
internal static class RequestExtensions
{
    public static AccessRequest By(this AccessRequest request, Requester requester) => request with { Requester = requester };

    public static AccessRequest For(this AccessRequest request, Coding purpose) => request with { Purpose = purpose };

    public static AccessRequest Doing(this AccessRequest request, Coding action) => request with { Action = action };

    public static AccessRequest At(this AccessRequest request, DateTimeOffset time) => request with { Time = time };

    public static AccessRequest On(this AccessRequest request, Func<RequestedResource, RequestedResource> change) =>
        request with { Resource = change(request.Resource) };

    public static AccessRequest Labelled(this AccessRequest request, params Coding[] labels) =>
        request.On(resource => resource with { SecurityLabels = labels });

    public static AccessRequest OfType(this AccessRequest request, string resourceType) =>
        request.On(resource => resource with { ResourceType = resourceType });

    public static AccessRequest WithBreakGlass(this AccessRequest request, BreakGlassFacts facts) =>
        request.For(Vocabulary.PurposesOfUse.EmergencyTreatment) with { BreakGlass = facts };

    public static AccessRequest AsDelegate(this AccessRequest request, Requester person, DelegateKind kind, DelegationScope scope, bool minor) =>
        request.By(person).For(Vocabulary.PurposesOfUse.PatientRequested) with
        {
            Delegation = new DelegationFacts(kind, scope, minor),
        };
}
