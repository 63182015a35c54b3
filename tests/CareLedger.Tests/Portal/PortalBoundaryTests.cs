using System.Reflection;
using System.Reflection.Emit;
using CareLedger.Access.Gate;
using CareLedger.Node;
using CareLedger.Portal;

namespace CareLedger.Tests.Portal;

/// <summary>
/// Issue 7: the portal must not be able to read the vault except through the door. The vault's decrypting reads are
/// internal to the access layer (ADR 0004, <c>DoorBoundaryTests</c>); this pins, on the compiled IL, that no code of the
/// portal — pages, sign-in, downloads, the lambdas and state machines the compiler made of them — touches any member or
/// type of the vault's assembly at all, not even its public metadata. What the portal shows comes through
/// <see cref="AccessGate"/>, the FHIR service on top of it, or the registries beside it.
/// </summary>
public sealed class PortalBoundaryTests
{
    private static readonly Assembly VaultAssembly = typeof(Vault.Vault).Assembly;

    [Fact]
    public void No_code_of_the_portal_touches_the_vault()
    {
        var portal = PortalTypes().ToList();
        Assert.True(portal.Count > 20, $"only {portal.Count} portal types found");

        var touches = portal.SelectMany(t => VaultReferences(t).Select(r => $"{t.FullName}: {r}")).ToList();

        Assert.Empty(touches);
    }

    [Fact]
    public void The_scan_sees_what_the_portal_calls_and_would_see_a_vault_call()
    {
        // The scan resolves the portal's calls (it reaches the FHIR service and the door) ...
        var portalCalls = PortalTypes().SelectMany(MembersUsed).Select(m => m.DeclaringType?.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(nameof(CareLedger.Fhir.FhirService), portalCalls);
        Assert.Contains(nameof(AccessGate), portalCalls);

        // ... and flags the node, which opens, recovers and erases the vault (by its public, non-decrypting surface).
        Assert.NotEmpty(VaultReferences(typeof(CareLedgerNode)));
    }

    private static IEnumerable<Type> PortalTypes() =>
        typeof(PortalUser).Assembly.GetTypes().Where(t => t.Namespace is { } ns && (ns == "CareLedger.Portal" || ns.StartsWith("CareLedger.Portal.", StringComparison.Ordinal)));

    private static IEnumerable<string> VaultReferences(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var field in type.GetFields(All).Where(f => IsVault(f.FieldType)))
        {
            yield return $"field {field.Name} of type {field.FieldType}";
        }

        foreach (var property in type.GetProperties(All).Where(p => IsVault(p.PropertyType)))
        {
            yield return $"property {property.Name} of type {property.PropertyType}";
        }

        foreach (var member in MembersUsed(type))
        {
            if (IsVault(member.DeclaringType) || (member is MethodInfo m && IsVault(m.ReturnType)) || (member is FieldInfo f && IsVault(f.FieldType)) || (member is Type t && IsVault(t)))
            {
                yield return $"uses {member.DeclaringType?.Name}.{member.Name}";
            }
        }
    }

    private static bool IsVault(Type? type) =>
        type is not null && (type.Assembly == VaultAssembly
            || (type.HasElementType && IsVault(type.GetElementType()))
            || (type.IsGenericType && type.GetGenericArguments().Any(IsVault)));

    /// <summary>Every method, field and type the IL of the type's methods and constructors refers to.</summary>
    private static IEnumerable<MemberInfo> MembersUsed(Type type)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            var il = method.GetMethodBody()?.GetILAsByteArray();
            if (il is null)
            {
                continue;
            }

            var genericTypeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
            var genericMethodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            for (var at = 0; at < il.Length;)
            {
                var code = il[at] == 0xFE ? OpCodesByValue[0xFE00 | il[at + 1]] : OpCodesByValue[il[at]];
                at += code.Size;
                if (code.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
                {
                    var token = BitConverter.ToInt32(il, at);
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(token, genericTypeArguments, genericMethodArguments);
                    }
                    catch (ArgumentException)
                    {
                        // A token that needs generic context this method cannot give: not a vault member either way.
                    }

                    if (member is not null)
                    {
                        yield return member;
                    }
                }

                at += OperandSize(code.OperandType, il, at);
            }
        }
    }

    private static readonly Dictionary<int, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => (int)(ushort)o.Value);

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };
}
