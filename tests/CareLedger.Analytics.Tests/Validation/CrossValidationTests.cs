using CareLedger.Analytics.Training;
using CareLedger.Analytics.Validation;

namespace CareLedger.Analytics.Tests.Validation;

public class CrossValidationTests
{
    private const double SklearnTolerance = 0.005;

    [Fact]
    public void Logistic_regression_reaches_the_published_auroc_on_WDBC()
    {
        var summary = TestData.WdbcLogisticCv.Summary;

        Assert.Equal(10, summary.Folds);
        Assert.True(summary.MeanAuroc >= 0.99, $"10-fold AUROC {summary.MeanAuroc:F4} < 0.99");
        Assert.True(summary.MeanAccuracy >= 0.96, $"10-fold accuracy {summary.MeanAccuracy:F4} < 0.96");
    }

    [Fact]
    public void Logistic_regression_reaches_the_published_auroc_on_Pima()
    {
        var summary = TestData.PimaLogisticCv.Summary;

        Assert.Equal(10, summary.Folds);
        Assert.True(summary.MeanAuroc >= 0.83, $"10-fold AUROC {summary.MeanAuroc:F4} < 0.83");
    }

    [Theory]
    [InlineData("wdbc")]
    [InlineData("pima")]
    public void Logistic_regression_matches_scikit_learn_on_the_same_folds(string dataset)
    {
        var cv = dataset == "wdbc" ? TestData.WdbcLogisticCv : TestData.PimaLogisticCv;
        var sklearn = TestData.SklearnAuroc(dataset, "logistic-regression");

        Assert.Equal(10, sklearn.Length);
        var difference = Math.Abs(cv.Summary.MeanAuroc - sklearn.Average());
        Assert.True(difference <= SklearnTolerance,
            $"{dataset}: C# {cv.Summary.MeanAuroc:F4} vs scikit-learn {sklearn.Average():F4} (difference {difference:F4})");
        for (var fold = 0; fold < 10; fold++)
            Assert.True(Math.Abs(cv.Folds[fold].Auroc - sklearn[fold]) <= SklearnTolerance, $"{dataset} fold {fold}: {cv.Folds[fold].Auroc:F4} vs {sklearn[fold]:F4}");
    }

    [Fact]
    public void Every_row_gets_exactly_one_out_of_fold_probability_and_calibration_is_recorded()
    {
        var cv = TestData.PimaLogisticCv;

        Assert.Equal(TestData.Pima.Count, cv.OutOfFoldProbabilities.Count);
        Assert.All(cv.OutOfFoldProbabilities, p => Assert.InRange(p, 0.0, 1.0));
        Assert.Equal(TestData.Pima.Count, cv.Summary.OutOfFold.Count);
        Assert.InRange(cv.Summary.OutOfFold.ExpectedCalibrationError, 0.0, 0.1);
        Assert.InRange(cv.Summary.OutOfFold.BrierScore, 0.0, 0.25);
        Assert.Equal(cv.Folds.Average(f => f.Sensitivity), cv.Summary.MeanSensitivity, 12);
    }

    [Fact]
    public void A_fold_assignment_for_other_data_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            CrossValidator.Run(TestData.Pima, TestData.Folds("wdbc"), TrainingOptions.LogisticRegression));
        Assert.Contains("569 rows; the data has 768", e.Message, StringComparison.Ordinal);
    }
}
