using CareLedger.Ledger.Transactions;

namespace CareLedger.Ledger.Tests.Transactions;

/// <summary>
/// These values are written into signed transactions: they must only ever GROW. Add a new member here when
/// you add it to the enum; never change or remove a line.
/// </summary>
public class PersistedEnumStabilityTests
{
    private static readonly Dictionary<string, int> TxTypes = new()
    {
        ["Genesis"] = 1,
        ["KeyRegistered"] = 2,
        ["KeyRevoked"] = 3,
        ["ConsortiumGenesis"] = 4,
        ["ConsortiumProposal"] = 5,
        ["ConsortiumVote"] = 6,
        ["RecordsCommitted"] = 10,
        ["PatientErased"] = 12,
        ["Anchor"] = 20,
        ["CredentialStatus"] = 30,
    };

    private static readonly Dictionary<string, int> RecordOperations = new()
    {
        ["Create"] = 1,
        ["Update"] = 2,
        ["Delete"] = 3,
    };

    private static readonly Dictionary<string, int> CredentialStatusKinds = new()
    {
        ["Issued"] = 1,
        ["Renewed"] = 2,
        ["Revoked"] = 3,
    };

    [Fact]
    public void Transaction_type_values_are_frozen()
    {
        Assert.Equal(TxTypes, Enum.GetValues<TxType>().ToDictionary(v => v.ToString(), v => (int)v));
    }

    [Fact]
    public void Record_operation_values_are_frozen()
    {
        Assert.Equal(RecordOperations, Enum.GetValues<RecordOperation>().ToDictionary(v => v.ToString(), v => (int)v));
    }

    [Fact]
    public void Credential_status_values_are_frozen()
    {
        Assert.Equal(CredentialStatusKinds, Enum.GetValues<CredentialStatusKind>().ToDictionary(v => v.ToString(), v => (int)v));
    }
}
