using System.Collections;
using Hl7.Fhir.Model;

namespace CareLedger.Fhir.Storage;

/// <summary>Finds every <see cref="ResourceReference"/> in a resource, contained resources included.</summary>
public static class ResourceReferences
{
    public static List<ResourceReference> All(Base root)
    {
        var found = new List<ResourceReference>();
        Walk(root, found);
        return found;
    }

    private static void Walk(Base node, List<ResourceReference> found)
    {
        if (node is ResourceReference reference)
        {
            found.Add(reference);
        }
        else if (node is PrimitiveType { HasOverflow: false } primitive)
        {
            // Most nodes are primitives. Their children are an id, extensions and the value (never a Base), so only an
            // extension can hold a reference: read those two without enumerating (which allocates) and without the
            // Extension property (which allocates an empty list).
            if (primitive.TryGetValue("id", out var id) && id is Base idElement)
            {
                Walk(idElement, found);
            }

            if (primitive.TryGetValue("extension", out var extensions) && extensions is IEnumerable list)
            {
                foreach (var item in list)
                {
                    if (item is Base extension)
                    {
                        Walk(extension, found);
                    }
                }
            }

            return;
        }

        foreach (var (_, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Walk(child, found);
                    break;
                case IEnumerable children and not string:
                    foreach (var item in children)
                    {
                        if (item is Base element)
                        {
                            Walk(element, found);
                        }
                    }

                    break;
            }
        }
    }
}
