using CareLedger.Analytics.Metrics;
using CareLedger.Analytics.Onnx;
using CareLedger.Analytics.Registry;
using CareLedger.Analytics.Tests.Registry;
using CareLedger.Analytics.Training;

namespace CareLedger.Analytics.Tests.Onnx;

public class OnnxModelTests
{
    private static readonly float[] Weights = [0.8f, -1.5f, 0.25f];
    private const float Bias = -0.3f;

    private static ModelCard CardFor(byte[] file) => SampleCards.Fixed() with
    {
        Kind = ModelKind.Onnx,
        ModelSha256 = ModelFile.Sha256Hex(file),
        Features = ["f0", "f1", "f2"],
    };

    [Fact]
    public void A_hand_written_logistic_onnx_model_computes_the_sigmoid_of_the_linear_score()
    {
        var file = OnnxModelBuilder.Logistic(Weights, Bias);
        using var model = OnnxModel.Load(file);
        float[] rows = [1f, 2f, 3f, -0.5f, 0f, 4f, 0f, 0f, 0f];

        var output = model.Run(rows, 3, 3);

        Assert.Equal([3L, 1L], output.Shape);
        for (var r = 0; r < 3; r++)
        {
            double z = Bias;
            for (var j = 0; j < 3; j++)
                z += Weights[j] * rows[(r * 3) + j];
            Assert.Equal(1 / (1 + Math.Exp(-z)), output.Values[r], 6);
        }
    }

    [Fact]
    public void The_model_reports_its_input_signature_and_file_hash()
    {
        var file = OnnxModelBuilder.Logistic(Weights, Bias);
        using var model = OnnxModel.Load(file);

        Assert.Equal("x", model.InputName);
        Assert.Equal("y", model.OutputName);
        Assert.Equal([-1L, 3L], model.InputShape);
        Assert.Equal(ModelFile.Sha256Hex(file), model.Sha256);
    }

    [Fact]
    public void A_registered_model_file_loads_from_disk_when_it_matches_its_card()
    {
        var file = OnnxModelBuilder.Logistic(Weights, Bias);
        using var temp = new TempDirectory();
        var path = temp.File("model.onnx");
        File.WriteAllBytes(path, file);

        using var model = OnnxModel.Load(path, CardFor(file));

        Assert.Equal(0.5f, model.Run([0f, 0f, 1.2f], 1, 3).Values[0], 6); // 0.25 × 1.2 − 0.3 = 0
    }

    [Fact]
    public void An_onnx_model_validated_on_a_hold_out_set_gets_a_one_fold_summary_for_its_card()
    {
        using var model = OnnxModel.Load(OnnxModelBuilder.Logistic(Weights, Bias));
        float[] rows = [2f, 0f, 0f, 0f, 1f, 0f, 1f, 0f, 1f, -1f, 1f, 0f];
        bool[] labels = [true, false, true, false];

        var probabilities = model.Run(rows, 4, 3).Values.Select(v => (double)v).ToArray();
        var summary = ValidationSummary.FromHoldOut(ModelMetrics.Compute(probabilities, labels));

        Assert.Equal(1, summary.Folds);
        Assert.Equal(1.0, summary.MeanAuroc); // logits 1.3, −1.8, 0.75, −2.6: both positives rank above both negatives
        Assert.Equal(4, summary.OutOfFold.Count);
    }

    [Fact]
    public void A_changed_onnx_file_is_refused()
    {
        var file = OnnxModelBuilder.Logistic(Weights, Bias);
        var card = CardFor(file);
        var changed = OnnxModelBuilder.Logistic([0.8f, -1.5f, 0.26f], Bias);

        Assert.Throws<ModelIntegrityException>(() => OnnxModel.Load(changed, card));
    }

    [Fact]
    public void An_ml_net_card_cannot_load_an_onnx_file()
    {
        var file = OnnxModelBuilder.Logistic(Weights, Bias);

        Assert.Throws<ModelIntegrityException>(() => OnnxModel.Load(file, CardFor(file) with { Kind = ModelKind.LogisticRegression }));
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused_with_a_reason()
    {
        var e = Assert.Throws<ModelIntegrityException>(() => OnnxModel.Load([1, 2, 3, 4]));
        Assert.Contains("not a loadable ONNX model", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 2, 4 }, "dimension 1 must be 3")]
    [InlineData(new long[] { 6 }, "rank 2")]
    public void An_input_of_the_wrong_shape_is_rejected_before_inference(long[] shape, string reason)
    {
        using var model = OnnxModel.Load(OnnxModelBuilder.Logistic(Weights, Bias));
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];

        var e = Assert.Throws<ArgumentException>(() => model.Run(values, shape));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }
}
