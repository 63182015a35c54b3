using System.Globalization;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Validation.Compiled;

/// <summary>
/// Keys that determine a coded element completely, for remembering answers that depend only on the element's content:
/// a primitive's type and value (when it carries no id or extension), or a complex value's canonical JSON.
/// </summary>
internal static class NodeKeys
{
    public static string? Content(PocoNode node) => node.Poco switch
    {
        PrimitiveType { ElementId: null, Extension.Count: 0 } primitive => primitive.TypeName + "|" + Value(((ITypedElement)node).Value),
        PrimitiveType => null,
        DataType complex => FhirSerialization.ToJson(complex),
        _ => null,
    };

    private static string Value(object? value) => value switch
    {
        null => "\u0000",
        string text => "s:" + text,
        _ => value.GetType().FullName + ":" + Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
