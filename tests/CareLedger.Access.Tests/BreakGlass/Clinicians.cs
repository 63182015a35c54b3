using CareLedger.Access.Callers;
using CareLedger.Access.Gate;

namespace CareLedger.Access.Tests.BreakGlass;

/// <summary>Callers as authentication would establish them; the registry never asks about scopes.</summary>
internal static class Clinicians
{
    public static Accessor Named(string subject, string reference = "Practitioner/17") =>
        new(subject, CareLedgerRole.Clinician, reference, "Test Hospital", null, new NoScopes());

    private sealed class NoScopes : IScopeCheck
    {
        public bool Permits(string resourceType, AccessAction action) => false;

        public string RequiredScope(string resourceType, AccessAction action) => $"user/{resourceType}.r";
    }
}
