using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Xml;
using CareLedger.Fhir.Errors;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using Hl7.Fhir.Validation;

namespace CareLedger.Fhir.Validation;

/// <summary>
/// Strict FHIR R4 JSON and XML parsing (every structural problem is collected, not only the first) and the
/// canonical JSON form: the SDK's compact serialisation, which is what the vault encrypts and the ledger commits to.
/// </summary>
public static class FhirSerialization
{
    private static readonly FhirJsonDeserializer s_json = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));

    /// <summary>The same reader without its per-element POCO checks: every syntax problem is still reported (ADR 0013).</summary>
    private static readonly FhirJsonDeserializer s_jsonUnchecked = new(new DeserializerSettings().UsingMode(DeserializationMode.SyntaxOnly));
    private static readonly FhirXmlDeserializer s_xml = new(new DeserializerSettings().UsingMode(DeserializationMode.Strict));
    private static readonly FhirJsonSerializer s_jsonWriter = new();
    private static readonly BaseFhirXmlSerializer s_xmlWriter = new(ModelInfo.ModelInspector);

    /// <summary>Parses a resource, or throws a 400 <see cref="FhirProblemException"/> listing every problem found.</summary>
    public static Resource ParseJson(ReadOnlySpan<byte> utf8)
    {
        var (resource, issues) = TryParseJson(utf8);
        return issues.Count == 0 && resource is not null
            ? resource
            : throw new FhirProblemException(StatusCodes.Status400BadRequest, new OperationOutcome { Issue = [.. issues] });
    }

    /// <summary>
    /// Parses a resource and returns the problems beside the (possibly partial) result, so that a caller can add
    /// the profile validator's findings and report everything at once.
    /// </summary>
    public static (Resource? Resource, List<OperationOutcome.IssueComponent> Issues) TryParseJson(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return (null, [Issue(OperationOutcome.IssueType.Required, "the request body is empty; a FHIR resource was expected")]);
        }

        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 128 });
            if (s_json.TryDeserializeResource(reader, out var resource, out var errors))
            {
                return (resource, []);
            }

            return (resource, [.. errors.Select(ToIssue)]);
        }
        catch (JsonException e)
        {
            return (null, [Issue(OperationOutcome.IssueType.Structure, $"malformed JSON: {e.Message}")]);
        }
        catch (DeserializationFailedException e)
        {
            return (e.PartialResult as Resource, [.. e.Exceptions.Select(ToIssue)]);
        }
        catch (CodedValidationException e)
        {
            // The strict reader's own checks can throw instead of reporting: seen on a broken variant of a Synthea
            // ExplanationOfBenefit whose "contained" is an object, not an array (DirectPathTests parses the variants strictly).
            return (null, [ToIssue(e)]);
        }
    }

    /// <summary>
    /// Reads a resource without the strict reader's per-element checks (cardinality, primitive formats, narrative XHTML,
    /// code literals: all of them also checked by base-R4 validation); null when the JSON has any syntax problem or a name
    /// not spelled exactly as R4 spells it (<see cref="ExactCaseNames"/>). A resource read this way may be kept only if the
    /// compiled validator then certifies it (<see cref="ResourceValidator.ParseCertified"/>); otherwise the caller reads
    /// it again with <see cref="TryParseJson"/>, which reports every problem (ADR 0013).
    /// </summary>
    internal static Resource? TryParseJsonUnchecked(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return null;
        }

        try
        {
            // The names are checked after reading, on the bytes the reader has just read as one well-formed resource (the
            // reader stays on the resource's closing brace): a second tokenizing pass over the same bytes is not needed.
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 128 });
            if (!s_jsonUnchecked.TryDeserializeResource(ref reader, out var resource, out _)
                || reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0)
            {
                return null;
            }

            var read = checked((int)reader.BytesConsumed);
            return ExactCaseNames.AreExactInWellFormed(utf8[..read]) && ExactCaseNames.IsWhitespace(utf8[read..]) ? resource : null;
        }
        catch (Exception e) when (e is JsonException or DeserializationFailedException or CodedException)
        {
            return null;
        }
    }

    public static Resource ParseXml(ReadOnlySpan<byte> utf8)
    {
        try
        {
            using var stream = new MemoryStream(utf8.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            if (s_xml.TryDeserializeResource(reader, out var resource, out var errors) && resource is not null)
            {
                return resource;
            }

            throw new FhirProblemException(StatusCodes.Status400BadRequest, new OperationOutcome { Issue = [.. errors.Select(ToIssue)] });
        }
        catch (XmlException e)
        {
            throw FhirProblemException.BadRequest($"malformed XML: {e.Message}");
        }
        catch (DeserializationFailedException e)
        {
            throw new FhirProblemException(StatusCodes.Status400BadRequest, new OperationOutcome { Issue = [.. e.Exceptions.Select(ToIssue)] });
        }
    }

    /// <summary>
    /// The canonical bytes of a resource: compact JSON from the SDK serializer, byte for byte what its
    /// <c>SerializeToBytes</c> writes (the same serializer and the same writer options, default encoder, not indented).
    /// Written into a buffer kept per thread and copied out once at its exact length: the SDK's own path grows a
    /// stream and the writer's buffer from nothing for every resource (a tenth of an import's allocation).
    /// </summary>
    public static byte[] ToCanonicalJson(Resource resource)
    {
        var buffer = t_canonicalBuffer ??= new ArrayBufferWriter<byte>(CanonicalBufferStart);
        var writer = t_canonicalWriter ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false });
        try
        {
            s_jsonWriter.Serialize(resource, writer);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            // An oversized buffer (a huge resource) is not kept for the thread's life.
            if (buffer.Capacity > CanonicalBufferKept)
            {
                t_canonicalBuffer = null;
                t_canonicalWriter = null;
            }
            else
            {
                buffer.ResetWrittenCount();
                writer.Reset(buffer);
            }
        }
    }

    private const int CanonicalBufferStart = 16 * 1024;
    private const int CanonicalBufferKept = 1024 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_canonicalBuffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_canonicalWriter;

    public static string ToJson(Base value, bool pretty = false) => s_jsonWriter.SerializeToString(value, pretty);

    public static byte[] ToXmlBytes(Base value) => Encoding.UTF8.GetBytes(s_xmlWriter.SerializeToString(value));

    private static OperationOutcome.IssueComponent ToIssue(CodedException e) =>
        Issue(e is FhirJsonException ? OperationOutcome.IssueType.Structure : OperationOutcome.IssueType.Invalid, e.Message);

    private static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueType code, string diagnostics) =>
        new() { Severity = OperationOutcome.IssueSeverity.Error, Code = code, Diagnostics = diagnostics };
}
