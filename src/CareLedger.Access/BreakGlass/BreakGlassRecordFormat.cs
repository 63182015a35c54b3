using System.Formats.Cbor;
using CareLedger.Access.Store;

namespace CareLedger.Access.BreakGlass;

/// <summary>
/// The canonical record of a break-glass opening (format 1) whose salted hash is anchored on the ledger:
/// deterministic CBOR array <c>[1, "break-glass", id (bstr 16, big-endian), accessor subject, accessor reference or null,
/// patient pseudonym (bstr 16), reason, opened (Unix ms), expires (Unix ms), audit id (bstr 16)]</c>.
/// Anchored digest = <see cref="SaltedCommitment"/> = SHA-256(salt[32] ‖ record). The salt is sealed with the reason, so the ledger's digest cannot be
/// tested against guessed reasons by anyone without the access key.
/// </summary>
internal static class BreakGlassRecordFormat
{
    private const int Format = 1;
    private const string Type = "break-glass";

    public static byte[] Encode(BreakGlassGrant grant, Guid auditId)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartArray(10);
        writer.WriteInt32(Format);
        writer.WriteTextString(Type);
        writer.WriteByteString(grant.Id.Bytes());
        writer.WriteTextString(grant.AccessorSubject);
        if (grant.AccessorReference is { } reference)
        {
            writer.WriteTextString(reference);
        }
        else
        {
            writer.WriteNull();
        }

        writer.WriteByteString(grant.Patient);
        writer.WriteTextString(grant.Reason);
        writer.WriteInt64(grant.OpenedAt.ToUnixTimeMilliseconds());
        writer.WriteInt64(grant.ExpiresAt.ToUnixTimeMilliseconds());
        writer.WriteByteString(auditId.Bytes());
        writer.WriteEndArray();
        return writer.Encode();
    }
}
