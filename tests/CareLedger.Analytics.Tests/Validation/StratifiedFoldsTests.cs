using CareLedger.Analytics.Validation;

namespace CareLedger.Analytics.Tests.Validation;

public class StratifiedFoldsTests
{
    [Theory]
    [InlineData("wdbc")]
    [InlineData("pima")]
    public void The_committed_fold_file_is_what_the_generator_produces(string dataset)
    {
        var labels = dataset == "wdbc" ? TestData.Wdbc.Labels() : TestData.Pima.Labels();
        using var committed = TestData.Open(dataset + ".folds.csv");

        Assert.Equal(committed.ReadToEnd(), StratifiedFolds.ToCsv(StratifiedFolds.Assign(labels, 10, TestData.FoldSeed)));
    }

    [Fact]
    public void Every_fold_holds_each_class_within_one_row_of_its_share()
    {
        var labels = TestData.Pima.Labels();
        var folds = StratifiedFolds.Assign(labels, 10, TestData.FoldSeed);

        var positivesPerFold = Enumerable.Range(0, 10).Select(f => Enumerable.Range(0, labels.Length).Count(i => folds[i] == f && labels[i])).ToArray();
        var rowsPerFold = Enumerable.Range(0, 10).Select(f => folds.Count(x => x == f)).ToArray();
        Assert.True(positivesPerFold.Max() - positivesPerFold.Min() <= 1, string.Join(",", positivesPerFold));
        Assert.True(rowsPerFold.Max() - rowsPerFold.Min() <= 1, string.Join(",", rowsPerFold));
    }

    [Fact]
    public void The_same_seed_gives_the_same_assignment_and_another_seed_a_different_one()
    {
        var labels = TestData.Wdbc.Labels();

        Assert.Equal(StratifiedFolds.Assign(labels, 10, 7), StratifiedFolds.Assign(labels, 10, 7));
        Assert.NotEqual(StratifiedFolds.Assign(labels, 10, 7), StratifiedFolds.Assign(labels, 10, 8));
    }

    [Fact]
    public void SplitMix64_reproduces_its_published_reference_sequence()
    {
        // Reference output for seed 1234567 (Vigna's splitmix64.c, also Java's SplittableRandom test vectors).
        var random = new SplitMix64(1234567);

        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => random.Next()).ToArray());
    }

    [Fact]
    public void A_fold_file_round_trips()
    {
        int[] assignment = [1, 0, 2, 2, 0, 1];

        Assert.Equal(assignment, StratifiedFolds.ParseCsv(new StringReader(StratifiedFolds.ToCsv(assignment))));
    }

    [Theory]
    [InlineData("row;fold\n0,0\n1,1\n", "header")]
    [InlineData("row,fold\n0,0\n2,1\n", "expected 1")]
    [InlineData("row,fold\n0,0\n1,2\n", "Fold 1 has no rows")]
    [InlineData("row,fold\n0,0\n1,x\n", "not 'row,fold'")]
    public void A_malformed_fold_file_is_rejected_with_the_reason(string text, string reason)
    {
        var e = Assert.ThrowsAny<Exception>(() => StratifiedFolds.ParseCsv(new StringReader(text)));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_rows_of_a_class_for_the_fold_count_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => StratifiedFolds.Assign([true, true, false, false, false], 3, 1));
        Assert.Contains("2 positive", e.Message, StringComparison.Ordinal);
    }
}
