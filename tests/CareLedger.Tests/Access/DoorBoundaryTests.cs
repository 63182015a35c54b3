using System.Reflection;
using System.Runtime.CompilerServices;
using CareLedger.Access.Gate;

namespace CareLedger.Tests.Access;

/// <summary>
/// The rule of ADR 0004, checked on the compiled assemblies: only the access layer can decrypt a record, and the access
/// layer hands out decrypted records only to someone it decided for.
/// </summary>
public sealed class DoorBoundaryTests
{
    private const BindingFlags Public = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void Only_the_access_layer_and_the_vaults_own_tests_see_the_vaults_internals()
    {
        var friends = typeof(Vault.Vault).Assembly.GetCustomAttributes<InternalsVisibleToAttribute>()
            .Select(a => a.AssemblyName).Order(StringComparer.Ordinal).ToArray();

        // The benchmarks measure the door against a plain vault read; they are not shipped.
        Assert.Equal(["CareLedger.Access", "CareLedger.Benchmarks", "CareLedger.Vault.Tests"], friends);
    }

    [Fact]
    public void The_vaults_public_surface_hands_out_ids_pseudonyms_and_commitments_but_no_content()
    {
        var methods = typeof(Vault.Vault).GetMethods(Public).Where(m => !m.IsSpecialName).ToList();

        Assert.DoesNotContain(methods, m => m.Name.StartsWith("Read", StringComparison.Ordinal));
        var handingOutBytes = methods.Where(m => CarriesBytes(m.ReturnType)).Select(m => m.Name).Distinct().Order(StringComparer.Ordinal).ToArray();
        // Each of these returns an identifier or a commitment, never a record's plaintext (see their documentation).
        Assert.Equal(["PatientPseudonyms", "PseudonymFor", "RecordRef", "TryGetPseudonym"], handingOutBytes);
    }

    [Fact]
    public void Every_public_way_out_of_the_access_layer_with_a_record_takes_the_accessor_it_decides_for()
    {
        var disclosing = typeof(AccessGate).Assembly.GetTypes()
            .Where(t => t.IsPublic)
            .SelectMany(t => t.GetMethods(Public))
            .Where(m => !m.IsSpecialName && !m.Name.StartsWith('<') && (m.ReturnType == typeof(DisclosedRecord) || m.ReturnType == typeof(Disclosure)))
            .ToList();

        Assert.NotEmpty(disclosing);
        Assert.All(disclosing, m => Assert.Contains(m.GetParameters(), p => p.ParameterType == typeof(Accessor)));
    }

    [Fact]
    public void The_node_references_the_vault_only_to_open_recover_and_erase_it()
    {
        // The node assembly may use the vault type; what it cannot do is call a decrypting read, which the compiler
        // enforces because those are internal. This pins that the node is not a friend assembly in disguise.
        var node = typeof(CareLedger.Node.CareLedgerNode).Assembly.GetName().Name;

        Assert.DoesNotContain(node, typeof(Vault.Vault).Assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName));
    }

    private static bool CarriesBytes(Type type) =>
        type == typeof(byte[]) || (type.IsGenericType && type.GetGenericArguments().Any(CarriesBytes));
}
