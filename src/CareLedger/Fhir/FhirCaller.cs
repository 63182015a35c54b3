using CareLedger.Access.Gate;

namespace CareLedger.Fhir;

/// <summary>
/// Who a FHIR operation is for and in what circumstances (purpose of use, break-glass): every operation that touches
/// patient data carries one to the access layer, which decides and audits.
/// </summary>
public sealed record FhirCaller(Accessor Who, AccessContext Context)
{
    /// <summary>
    /// The node acting as the custodian's own backend service: the importer and the command line, run by whoever
    /// operates the node on its data directory. Audited like any other caller.
    /// </summary>
    public static FhirCaller Custodian(string organisation, string subject) =>
        new(new Accessor(subject, CareLedgerRole.System, null, organisation, null, CustodianScopes.Instance), AccessContext.Default);

    private sealed class CustodianScopes : IScopeCheck
    {
        public static readonly CustodianScopes Instance = new();

        public bool Permits(string resourceType, AccessAction action) => true;

        public string RequiredScope(string resourceType, AccessAction action) => $"system/{resourceType}.cruds";
    }
}
