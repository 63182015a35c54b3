namespace CareLedger.Access.Tests.Gate.Support;

/// <summary>FHIR R4 JSON of the resources the door's tests use (synthetic; no real person).</summary>
public static class FhirJson
{
    public const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    public const string Loinc = "http://loinc.org";

    public static string Patient(string id, string birthDate) =>
        $$"""{"resourceType":"Patient","id":"{{id}}","birthDate":"{{birthDate}}"}""";

    /// <param name="labels">v3-ActCode sensitivity codes for meta.security, e.g. "HIV".</param>
    public static string Observation(string id, string patientId, string effective = "2026-01-10", string code = GateWorld.ObservationCode, params string[] labels)
    {
        var codings = labels.Select(l => $$"""{"system":"{{ActCode}}","code":"{{l}}"}""");
        var security = labels.Length == 0 ? "" : "\"meta\":{\"security\":[" + string.Join(",", codings) + "]},";
        return $$"""{"resourceType":"Observation","id":"{{id}}",{{security}}"status":"final","code":{"coding":[{"system":"{{Loinc}}","code":"{{code}}"}]},"subject":{"reference":"Patient/{{patientId}}"},"effectiveDateTime":"{{effective}}"}""";
    }

    public static string Organization(string id) => $$"""{"resourceType":"Organization","id":"{{id}}","name":"Clinic {{id}}"}""";

    /// <summary>A patient-privacy Consent with the given base provision (JSON of a <c>provision</c> element).</summary>
    public static string Consent(string id, string patientId, string provision, string status = "active", string scope = "patient-privacy") =>
        $$"""{"resourceType":"Consent","id":"{{id}}","status":"{{status}}","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"{{scope}}"}]},"category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/{{patientId}}"},"dateTime":"2026-01-01","provision":{{provision}}}""";

    /// <summary>The actor role FHIR R4 consents give the party that receives the data (v3 ParticipationType PRCP).</summary>
    public const string Recipient = """{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType","code":"PRCP"}]}""";

    public const string BlanketPermit = """{"type":"permit"}""";

    public const string BlanketDeny = """{"type":"deny"}""";

    public static string PermitUntil(string end) => $$$"""{"type":"permit","period":{"end":"{{{end}}}"}}""";

    /// <summary>Deny everything except the actor (opt-in for one party).</summary>
    public static string OnlyFor(string actorReference) =>
        $$$"""{"type":"deny","provision":[{"type":"permit","actor":[{"role":{{{Recipient}}},"reference":{"reference":"{{{actorReference}}}"}}]}]}""";

    /// <summary>Permit everything except records carrying the label.</summary>
    public static string AllButLabel(string label) =>
        $$$"""{"type":"permit","provision":[{"type":"deny","securityLabel":[{"system":"{{{ActCode}}}","code":"{{{label}}}"}]}]}""";
}
