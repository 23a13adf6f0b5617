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
