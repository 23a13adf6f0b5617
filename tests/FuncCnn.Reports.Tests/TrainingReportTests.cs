using FuncCnn;
using FuncCnn.Reports;
using Xunit;

namespace FuncCnn.Reports.Tests;

public class TrainingReportTests
{
    [Fact]
    public void FeatureMapsCoverEveryConvolutionAndPoolingLayer()
    {
        // 4 random 12x12 images of two classes; the model is untrained (the mapping is what is tested).
        var rng = new Random(1);
        var pixels = new byte[4 * 12 * 12];
        rng.NextBytes(pixels);
        var test = FuncCnn.Dataset.FromArrays(pixels, [1, 12, 12], [0, 1, 0, 1], ["a", "b"], "tiny");
        var model = ModelBuilder.Input(1, 12, 12)
            .Conv2D(2, 3, FuncCnn.Activation.Relu, name: "conv1").MaxPool2D(2, name: "pool1")
            .Conv2D(3, 3, FuncCnn.Activation.Relu, name: "conv2").AvgPool2D(2, name: "pool2")
            .Flatten().Dense(2).Build(seed: 0);

        var data = TrainingReport.From(model, TrainingHistory.Empty, test);

        Assert.Equal(["conv1", "pool1", "conv2", "pool2"], data.FeatureMaps!.Layers.Select(l => l.Name));
        Assert.Equal([2, 2, 3, 3], data.FeatureMaps.Layers.Select(l => l.Channels));
        Assert.Equal([10, 5, 3, 1], data.FeatureMaps.Layers.Select(l => l.Height));
    }
}

public class TrainingReportPredictionTests
{
    [Fact]
    public void PredictionsMatchModelPredictImageByImage()
    {
        // 150 random 28x28 byte images (several inference chunks) and an untrained seed CNN.
        var rng = new Random(2);
        var pixels = new byte[150 * 28 * 28];
        rng.NextBytes(pixels);
        var labels = Enumerable.Range(0, 150).Select(i => i % 10).ToArray();
        var test = FuncCnn.Dataset.FromArrays(pixels, [1, 28, 28], labels, Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray(), "random");
        var model = ModelBuilder.Preset("seed-cnn").Build(3);

        var data = TrainingReport.From(model, TrainingHistory.Empty, test);
        var expected = model.Predict(test);

        Assert.Equal(150, data.Predictions.Count);
        for (var i = 0; i < 150; i++)
        {
            var p = data.Predictions[i];
            Assert.Equal(expected[i].Class, p.PredictedLabel);
            Assert.Equal(expected[i].Confidence, p.Confidence, 6);
            Assert.Equal(labels[i], p.TrueLabel);
            Assert.Equal(test.Image(i), p.Image.Pixels);
        }
        var meanLoss = Enumerable.Range(0, 150).Average(i => -Math.Log(Math.Max(expected[i].Probabilities[labels[i]], 1e-12)));
        Assert.Equal(meanLoss, data.TestLoss!.Value, 6);
    }
}
