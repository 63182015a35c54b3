using CareLedger.Analytics.Data;
using CareLedger.Analytics.Inference;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Tests.Registry;
using CareLedger.Analytics.Training;

namespace CareLedger.Analytics.Tests.Inference;

public class ClinicalModelTests(TrainedPimaModels models) : IClassFixture<TrainedPimaModels>
{
    private static float[] Row(int index) => TestData.Pima.Rows[index].Features;

    private static double Logit(double p) => Math.Log(p / (1 - p));

    [Fact]
    public void Logistic_contributions_plus_the_intercept_sum_to_the_logit_of_the_probability()
    {
        var checkedRows = 0;
        for (var i = 0; i < 60; i++)
        {
            var prediction = models.Logistic.Predict(Row(i));
            var sum = prediction.Contributions.Sum(c => c.Contribution) + prediction.Intercept!.Value;

            Assert.Equal(ExplanationMethod.LinearExact, prediction.Method);
            Assert.Equal(prediction.Score, sum, 9);
            if (prediction.Probability is > 0.02 and < 0.98) // float probabilities lose the logit's precision near 0 and 1
            {
                Assert.Equal(Logit(prediction.Probability), sum, 4);
                checkedRows++;
            }
        }

        Assert.True(checkedRows > 20, $"only {checkedRows} rows had moderate probabilities");
    }

    [Fact]
    public void A_logistic_contribution_is_the_coefficient_times_the_standardised_value()
    {
        var pima = TestData.Pima;
        var glucose = pima.FeatureNames.ToList().IndexOf("glucose");
        var column = pima.Rows.Select(r => (double)r.Features[glucose]).ToArray();
        var mean = column.Where(v => !double.IsNaN(v)).Average();
        var imputed = column.Select(v => double.IsNaN(v) ? mean : v).ToArray();
        var sd = Math.Sqrt(imputed.Average(v => (v - mean) * (v - mean)));

        var prediction = models.Logistic.Predict(Row(0));
        var contribution = prediction.Contributions[glucose];

        Assert.Equal("glucose", contribution.Feature);
        Assert.Equal(148, contribution.Value);
        Assert.Equal((148 - mean) / sd, contribution.ModelInput, 4);
        Assert.Equal(models.Logistic.Linear!.Weights[glucose] * contribution.ModelInput, contribution.Contribution, 12);
    }

    [Fact]
    public void A_missing_value_is_imputed_to_the_mean_and_contributes_nothing()
    {
        var features = Row(1).ToArray();
        var insulin = TestData.Pima.FeatureNames.ToList().IndexOf("insulin");
        Assert.True(float.IsNaN(features[insulin]), "Pima row 2 records insulin as 0, i.e. missing");

        var contribution = models.Logistic.Predict(features).Contributions[insulin];

        Assert.Equal(0, contribution.ModelInput, 5);
        Assert.Equal(0, contribution.Contribution, 5);
    }

    [Fact]
    public void Tree_predictions_carry_ML_NET_path_attributions_for_every_feature()
    {
        var prediction = models.Trees.Predict(Row(1));

        Assert.Equal(ExplanationMethod.TreePathAttribution, prediction.Method);
        Assert.Null(prediction.Intercept);
        Assert.InRange(prediction.Probability, 0.0, 1.0);
        Assert.Equal(TestData.Pima.FeatureNames, prediction.Contributions.Select(c => c.Feature));
        Assert.Contains(prediction.Contributions, c => c.Contribution != 0);
        var top = prediction.ByImportance().First();
        Assert.Equal("glucose", top.Feature); // glucose 85 mg/dl is what most lowers this example's risk
        Assert.True(top.Contribution < 0, $"glucose contribution {top.Contribution}");
    }

    [Fact]
    public void Batch_and_single_predictions_agree()
    {
        var rows = TestData.Pima.Rows.Take(5).ToArray();

        var batch = models.Trees.PredictProbabilities(rows);

        for (var i = 0; i < rows.Length; i++)
            Assert.Equal(batch[i], models.Trees.Predict(rows[i].Features).Probability, 6);
    }

    [Fact]
    public void Concurrent_predictions_give_the_same_results_as_sequential_ones()
    {
        var sequential = Enumerable.Range(0, 200).Select(i => models.Logistic.Predict(Row(i)).Probability).ToArray();

        var concurrent = new double[200];
        Parallel.For(0, 200, i => concurrent[i] = models.Logistic.Predict(Row(i)).Probability);

        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public void A_saved_model_loads_against_its_card_and_predicts_identically()
    {
        using var temp = new TempDirectory();
        var path = temp.File("pima-lr.zip");
        using (var file = File.Create(path))
            models.Logistic.Save(file);
        var card = SampleCards.For(models.Logistic);

        using var loaded = ClinicalModel.Load(path, card);

        Assert.Equal(models.Logistic.Sha256, ModelFile.Sha256Hex(File.ReadAllBytes(path)));
        Assert.Equal(models.Logistic.Predict(Row(3)), loaded.Predict(Row(3)), PredictionComparer.Instance);
    }

    [Fact]
    public void A_model_file_changed_after_registration_is_refused()
    {
        using var temp = new TempDirectory();
        var path = temp.File("pima-trees.zip");
        var bytes = models.Trees.ToBytes();
        var card = SampleCards.For(models.Trees);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<ModelIntegrityException>(() => ClinicalModel.Load(path, card));

        Assert.Equal(card.Name, e.ModelName);
        Assert.Contains(card.ModelSha256, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_card_of_another_kind_is_refused_even_when_the_hash_matches()
    {
        var card = SampleCards.For(models.Logistic) with { Kind = ModelKind.FastTree };

        var e = Assert.Throws<ModelIntegrityException>(() => ClinicalModel.Load(models.Logistic.ToBytes(), card));
        Assert.Contains("FastTree", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_feature_vector_of_the_wrong_length_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => models.Logistic.Predict(new float[3]));
        Assert.Contains("8 features; got 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_on_a_single_outcome_is_rejected()
    {
        var onlyNegatives = TestData.Pima.Subset(Enumerable.Range(0, TestData.Pima.Count).Where(i => !TestData.Pima.Rows[i].Label));

        var e = Assert.Throws<ArgumentException>(() => ModelTrainer.Train(onlyNegatives, TrainingOptions.LogisticRegression));
        Assert.Contains("both outcomes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ragged_feature_table_is_rejected_naming_the_row()
    {
        var e = Assert.Throws<ArgumentException>(() => new FeatureTable(["a", "b"], [new FeatureRow([1f, 2f], true), new FeatureRow([1f], false)]));
        Assert.Contains("Row 1 has 1 feature values", e.Message, StringComparison.Ordinal);
    }

    private sealed class PredictionComparer : IEqualityComparer<Prediction>
    {
        public static readonly PredictionComparer Instance = new();

        public bool Equals(Prediction? x, Prediction? y) =>
            x is not null && y is not null && x.Probability == y.Probability && x.Score == y.Score
            && x.Contributions.SequenceEqual(y.Contributions, ContributionComparer.Instance);

        public int GetHashCode(Prediction obj) => obj.Probability.GetHashCode();
    }

    private sealed class ContributionComparer : IEqualityComparer<FeatureContribution>
    {
        public static readonly ContributionComparer Instance = new();

        // NaN (missing) values compare equal to themselves here, unlike with ==.
        public bool Equals(FeatureContribution? x, FeatureContribution? y) =>
            x is not null && y is not null && x.Feature == y.Feature && x.Value.Equals(y.Value) && x.ModelInput.Equals(y.ModelInput)
            && x.Contribution.Equals(y.Contribution);

        public int GetHashCode(FeatureContribution obj) => obj.Feature.GetHashCode(StringComparison.Ordinal);
    }
}
