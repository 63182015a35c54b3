using CareLedger.Ledger.Checkpoints;
using CareLedger.Ledger.Engine;
using Microsoft.Data.Sqlite;

namespace CareLedger.Ledger.Tests.Engine;

public class CheckpointStoreTests
{
    private static SignedCheckpoint Signed(NoteSigningKey key, long size)
    {
        var body = new Checkpoint(key.Name, size, Enumerable.Repeat((byte)size, 32).ToArray());
        var text = body.ToNoteText();
        return new SignedCheckpoint(new SignedNote(text, [key.Sign(text)]), body);
    }

    [Fact]
    public void Stored_checkpoints_round_trip_and_the_latest_is_the_largest()
    {
        using var directory = new TempDirectory("checkpoints");
        using var key = NoteSigningKey.Generate("test.example/log");
        using (var store = CheckpointStore.Open(directory.Path))
        {
            Assert.Null(store.Latest());
            store.Append(Signed(key, 3));
            store.Append(Signed(key, 10));
        }

        using var reopened = CheckpointStore.Open(directory.Path);
        var latest = reopened.Latest()!;

        Assert.Equal(10, latest.Size);
        Assert.Equal(Signed(key, 10).Note.Text, latest.Note.Text);
        Assert.True(key.VerifierKey.Verify(latest.Note, latest.Note.Signatures[0]));
        Assert.Equal([3L, 10L], CheckpointStore.ReadAll(directory.Path).Select(c => c.Size));
    }

    [Fact]
    public void A_second_checkpoint_of_the_same_size_is_refused()
    {
        using var directory = new TempDirectory("checkpoints");
        using var key = NoteSigningKey.Generate("test.example/log");
        using var store = CheckpointStore.Open(directory.Path);
        store.Append(Signed(key, 5));

        Assert.Throws<SqliteException>(() => store.Append(Signed(key, 5)));
        Assert.Single(CheckpointStore.ReadAll(directory.Path));
    }

    [Fact]
    public void Reading_a_directory_without_a_store_yields_nothing()
    {
        using var directory = new TempDirectory("checkpoints");

        Assert.Empty(CheckpointStore.ReadAll(directory.Path));
    }
}
