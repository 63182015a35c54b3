using System.Globalization;
using CareLedger.Access.Gate;
using CareLedger.Fhir.Errors;
using CareLedger.Vault;
using CareLedger.Ledger.Transactions;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.LedgerProvenance;

/// <summary>
/// The FHIR Provenance of one stored version, synthesised from the ledger (F4): the version is the target, the
/// ledger time is <c>recorded</c>, the node's author key is the agent, and the ledger transaction (id, leaf index)
/// with the URL of its offline-verifiable receipt is carried in the <see cref="LedgerExtensionUrl"/> extension.
/// </summary>
public static class ProvenanceFactory
{
    public const string LedgerExtensionUrl = "https://careledger.org/fhir/StructureDefinition/ledger-transaction";
    public const string AuthorKeySystem = "urn:careledger:author-key";

    public static Hl7.Fhir.Model.Provenance For(FhirCaller caller, FhirService service, string type, string id, string version, string baseUrl)
    {
        FhirService.EnsureKnownType(type);
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw FhirProblemException.NotFound($"'{version}' is not a version of {type}/{id}");
        }

        var head = service.Repository.History(type, id).FirstOrDefault(h => h.Version == number)
            ?? throw FhirProblemException.NotFound($"{type}/{id} has no version {number}");
        // The provenance of a version is about that version: shown only to whom the access layer discloses it.
        var disclosure = service.Repository.ReadMany(caller, AccessAction.Read, [new RecordAddress(type, id, number)], $"provenance {type}");
        if (disclosure.Records.Count == 0)
        {
            throw new FhirProblemException(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                $"the access layer does not disclose version {number} of {type}/{id} to this caller, nor its provenance (audited)");
        }

        var txId = head.TxId is { Length: TxId.Length } bytes ? TxId.FromBytes(bytes) : (TxId?)null;
        var leaf = service.Repository.LeafIndexOf(head.TxId);
        if (txId is null || leaf is null)
        {
            throw FhirProblemException.NotFound($"version {number} of {type}/{id} has no ledger transaction yet");
        }

        var receipt = service.Options.ReceiptPathTemplate.Replace("{txId}", txId.Value.ToString(), StringComparison.Ordinal);
        var serverRoot = baseUrl.EndsWith("/fhir", StringComparison.Ordinal) ? baseUrl[..^"/fhir".Length] : baseUrl;
        var signedBy = service.Repository.Ledger.ReadTransaction(leaf.Value).Transaction.Author.ToString();
        return new Hl7.Fhir.Model.Provenance
        {
            Target = [new ResourceReference($"{type}/{id}/_history/{number}")],
            Recorded = head.LastUpdated,
            Activity = new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-DataOperation", head.Deleted ? "DELETE" : number == 1 ? "CREATE" : "UPDATE"),
            Agent =
            [
                new Hl7.Fhir.Model.Provenance.AgentComponent
                {
                    Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "custodian"),
                    Who = new ResourceReference
                    {
                        Identifier = new Identifier(AuthorKeySystem, signedBy),
                        Display = "the author key (the node's, or the patient's for their own consents) that signed the ledger transaction",
                    },
                },
            ],
            Extension =
            [
                new Extension
                {
                    Url = LedgerExtensionUrl,
                    Extension =
                    [
                        new Extension("transactionId", new FhirString(txId.Value.ToString())),
                        new Extension("leafIndex", new FhirDecimal(leaf.Value)),
                        new Extension("receipt", new FhirUrl(serverRoot + receipt)),
                    ],
                },
            ],
        };
    }
}
