using System.Text;

namespace CareLedger.Vault.Records;

/// <summary>
/// The name of an encryption compartment as bound into GCM associated data (of wrapped data keys and of records):
/// <c>"organisation"</c> for resources that belong to no patient, <c>"patient:" + hex(pseudonym)</c> otherwise.
/// </summary>
internal static class CompartmentContext
{
    public static byte[] For(byte[]? pseudonym) =>
        pseudonym is null
            ? "organisation"u8.ToArray()
            : Encoding.ASCII.GetBytes("patient:" + Convert.ToHexStringLower(pseudonym));
}
