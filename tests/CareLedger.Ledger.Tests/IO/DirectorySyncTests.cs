using CareLedger.IO;
using CareLedger.Ledger.Tests.Log;

namespace CareLedger.Ledger.Tests.IO;

public class DirectorySyncTests
{
    [Fact]
    public void An_existing_directory_can_be_synced()
    {
        using var directory = new TestLogDirectory();

        var exception = Record.Exception(() => DirectorySync.Flush(directory.Path));

        Assert.Null(exception);
    }

    [Fact]
    public void A_missing_directory_is_reported_by_name()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var directory = new TestLogDirectory();
        var missing = Path.Combine(directory.Path, "missing");

        var exception = Assert.Throws<IOException>(() => DirectorySync.Flush(missing));

        Assert.Contains(missing, exception.Message, StringComparison.Ordinal);
    }
}
