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
