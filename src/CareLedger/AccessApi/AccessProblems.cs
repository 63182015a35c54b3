using CareLedger.Fhir.Errors;
using Hl7.Fhir.Model;

namespace CareLedger.AccessApi;

/// <summary>The refusals of the access API that the FHIR layer has no factory for.</summary>
internal static class AccessProblems
{
    public static FhirProblemException Forbidden(string diagnostics) =>
        new(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, diagnostics);

    public static FhirProblemException NoRecordsOf(string patientId) =>
        FhirProblemException.NotFound($"this node holds no records of patient {patientId}");

    /// <summary>Answers a route's id that is not a GUID as the unknown id it is.</summary>
    public static Guid ParseId(string text, string what) =>
        Guid.TryParseExact(text, "D", out var id) ? id : throw FhirProblemException.NotFound($"no {what} has id '{text}'");
}
