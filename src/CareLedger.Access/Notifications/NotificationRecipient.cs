using CareLedger.Access.Callers;
using CareLedger.Access.Store;

namespace CareLedger.Access.Notifications;

/// <summary>
/// Who a notification is for: one patient, named by the vault's pseudonym (never by name or record id), or everyone
/// holding a staff role such as the privacy officer. Compared by <see cref="Address"/>.
/// </summary>
public sealed record NotificationRecipient
{
    private const string PatientPrefix = "patient/";
    private const string RolePrefix = "role/";

    private NotificationRecipient(string address)
    {
        Address = address;
    }

    /// <summary><c>patient/&lt;32 lowercase hex&gt;</c> or <c>role/&lt;role name&gt;</c>, as stored.</summary>
    public string Address { get; }

    public static NotificationRecipient PrivacyOfficer { get; } = Role(CareLedgerRole.PrivacyOfficer);

    public static NotificationRecipient Patient(byte[] pseudonym)
    {
        Pseudonym.ThrowIfInvalid(pseudonym, nameof(pseudonym));
        return new NotificationRecipient(PatientPrefix + Pseudonym.Hex(pseudonym));
    }

    /// <summary>Everyone holding <paramref name="role"/>; people who are patients or act for one are addressed by the patient's pseudonym.</summary>
    public static NotificationRecipient Role(CareLedgerRole role)
    {
        if (!IsStaff(role))
        {
            throw new ArgumentException($"role '{role.ToName()}' is not a staff role; notify a patient (and those acting for them) by pseudonym", nameof(role));
        }

        return new NotificationRecipient(RolePrefix + role.ToName());
    }

    /// <summary>Reads an <see cref="Address"/> back.</summary>
    /// <exception cref="FormatException">it is neither a patient nor a staff role address.</exception>
    public static NotificationRecipient Parse(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.StartsWith(PatientPrefix, StringComparison.Ordinal))
        {
            var hex = address[PatientPrefix.Length..];
            if (hex.Length == 2 * Pseudonym.Length && hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
            {
                return new NotificationRecipient(address);
            }
        }
        else if (address.StartsWith(RolePrefix, StringComparison.Ordinal) && CareLedgerRoles.TryParse(address[RolePrefix.Length..], out var role) && IsStaff(role))
        {
            return Role(role);
        }

        throw new FormatException($"'{address}' is not a notification recipient (expected {PatientPrefix}<32 lowercase hex> or {RolePrefix}<staff role>)");
    }

    public override string ToString() => Address;

    private static bool IsStaff(CareLedgerRole role) =>
        role is not (CareLedgerRole.Patient or CareLedgerRole.Guardian or CareLedgerRole.Caregiver or CareLedgerRole.System);
}
