using System.Text;
using CareLedger.Analytics.Registry;

namespace CareLedger.Analytics.Tests.Registry;

public class ModelFileTests
{
    [Fact]
    public void The_file_hash_is_the_lowercase_hex_sha256_of_its_bytes()
    {
        var content = Encoding.ASCII.GetBytes("abc");

        // FIPS 180-2 test vector for "abc".
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ModelFile.Sha256Hex(content));
        Assert.Equal(ModelFile.Sha256Hex(content), ModelFile.Sha256Hex(new MemoryStream(content)));
    }

    [Fact]
    public void A_file_read_for_a_card_is_returned_only_when_it_matches()
    {
        using var temp = new TempDirectory();
        var path = temp.File("model.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        var card = SampleCards.Fixed() with { ModelSha256 = ModelFile.Sha256Hex([1, 2, 3]) };

        Assert.Equal([1, 2, 3], ModelFile.ReadVerified(path, card));
        File.WriteAllBytes(path, [1, 2, 4]);
        Assert.Throws<ModelIntegrityException>(() => ModelFile.ReadVerified(path, card));
    }
}
