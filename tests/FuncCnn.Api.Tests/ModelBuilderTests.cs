using FuncCnn;
using Xunit;

namespace FuncCnn.Api.Tests;

public class ModelBuilderTests
{
    // Parameter counts from the teaching notebooks (Keras summaries) and the PyTorch seed reference.
    public static TheoryData<string, Func<ModelBuilder>, long> Builders => new()
    {
        { "seed-cnn", () => ModelBuilder.Input(1, 28, 28).Conv2D(32, 3, Activation.Relu).MaxPool2D(2).Conv2D(64, 3, Activation.Relu).MaxPool2D(2).Flatten().Dense(64, Activation.Relu).Dense(10), 121_930 },
        { "mnist-5x5", () => ModelBuilder.Input(1, 28, 28).Conv2D(8, 5, Activation.Relu).MaxPool2D().Conv2D(16, 5, Activation.Relu).MaxPool2D().Flatten().Dense(128, Activation.Relu).Dropout(0.5).Dense(10), 37_610 },
        { "mnist-same", () => ModelBuilder.Input(1, 28, 28).Conv2D(16, 3, Activation.Relu, padding: Padding.Same).MaxPool2D().Conv2D(32, 3, Activation.Relu, padding: Padding.Same).MaxPool2D()
            .Conv2D(64, 3, Activation.Relu, padding: Padding.Same).MaxPool2D().Conv2D(64, 3, Activation.Relu, padding: Padding.Same).Flatten().Dense(64, Activation.Relu).Dense(10), 97_802 },
        { "mnist-dropout", () => ModelBuilder.Input(1, 28, 28).Conv2D(32, 3, Activation.Relu).MaxPool2D().Conv2D(64, 3, Activation.Relu).MaxPool2D().Conv2D(64, 3, Activation.Relu).Flatten().Dense(64, Activation.Relu).Dropout(0.5).Dense(10), 93_322 },
        { "fashion-cnn", () => ModelBuilder.Input(1, 28, 28).Conv2D(64, 3, Activation.Relu).MaxPool2D().Conv2D(64, 3, Activation.Relu).MaxPool2D().Flatten().Dense(20, Activation.Relu).Dense(10), 69_798 },
        { "quickdraw", () => ModelBuilder.Input(1, 28, 28).Conv2D(32, 5, Activation.Relu, padding: Padding.Same).MaxPool2D().Conv2D(32, 3, Activation.Relu, padding: Padding.Same).MaxPool2D()
            .Conv2D(64, 3, Activation.Relu, padding: Padding.Same).MaxPool2D().Flatten().Dense(512, Activation.Relu).Dense(345), 500_985 },
        { "fashion-dense", () => ModelBuilder.Input(1, 28, 28).Flatten().Dense(20, Activation.Relu).Dense(10), 15_910 },
        { "o-vs-x", () => ModelBuilder.Input(1, 6, 6).Conv2D(1, 3, Activation.Relu).MaxPool2D().Flatten().Dense(4, Activation.Relu).Dense(2), 40 },
        { "decoder", () => ModelBuilder.Input(64).Dense(7 * 7 * 64, Activation.Relu).Reshape([64, 7, 7]).Conv2DTranspose(64, 3, 2, Activation.Relu)
            .Conv2DTranspose(32, 3, 2, Activation.Relu).Conv2DTranspose(1, 3, 1, Activation.Tanh), 259_521 },
    };

    [Theory]
    [MemberData(nameof(Builders))]
    public void Builder_reproduces_the_zoo_parameter_counts(string preset, Func<ModelBuilder> build, long expected)
    {
        var built = build().Build(seed: 1);
        var zoo = ModelZoo.Build(preset, seed: 1);
        Assert.Equal(expected, built.ParameterCount);
        Assert.Equal(expected, zoo.ParameterCount);
        Assert.Equal(zoo.OutputShape, built.OutputShape);
        Assert.Equal(zoo.Layers.Select(l => l.OutputShape.ToArray()), built.Layers.Select(l => l.OutputShape.ToArray()));
        Assert.Equal(expected, built.Summary().TotalParameters);
    }

    [Fact]
    public void Every_zoo_name_builds()
    {
        Assert.Equal(9, ModelZoo.Names.Count);
        foreach (var name in ModelZoo.Names) Assert.True(ModelZoo.Build(name).ParameterCount > 0, name);
    }

    [Fact]
    public void Builder_is_immutable_and_names_layers_keras_style()
    {
        var trunk = ModelBuilder.Input(1, 28, 28).Conv2D(4, 3, Activation.Relu);
        var a = trunk.Flatten().Dense(10);
        var b = trunk.MaxPool2D(2, name: "pool").Flatten().Dense(3);
        Assert.Equal(1, trunk.LayerCount);
        Assert.Equal(["conv2d", "flatten", "dense"], a.Build().Layers.Select(l => l.Name));
        Assert.Equal(["conv2d", "pool", "flatten", "dense"], b.Build().Layers.Select(l => l.Name));
        Assert.Equal([3], b.Build().OutputShape);
    }

    [Fact]
    public void Same_seed_gives_the_same_parameters_and_another_seed_others()
    {
        var builder = ModelBuilder.Preset("o-vs-x");
        var w1 = builder.Build(7).Filters("conv2d").Weights;
        var w2 = builder.Build(7).Filters("conv2d").Weights;
        var w3 = builder.Build(8).Filters("conv2d").Weights;
        Assert.Equal(w1, w2);
        Assert.NotEqual(w1, w3);
    }

    [Fact]
    public void Summary_has_rows_and_a_printable_table()
    {
        var s = ModelZoo.Build("seed-cnn").Summary(frozenLayers: ["conv1"]);
        Assert.Equal(["conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dense2"], s.Rows.Select(r => r.Layer));
        Assert.Equal(320, s.Rows[0].Parameters);
        Assert.False(s.Rows[0].Trainable);
        Assert.Equal(121_930 - 320, s.TrainableParameters);
        Assert.Equal(320, s.NonTrainableParameters);
        Assert.Contains("Total params: 121,930", s.ToString());
        Assert.Contains("(None, 32, 26, 26)", s.Table);
    }

    [Fact]
    public void A_layer_that_does_not_fit_fails_at_build_naming_the_layer_and_shapes()
    {
        var e = Assert.Throws<ShapeException>(() => ModelBuilder.Input(1, 6, 6).Conv2D(2, 5).Conv2D(2, 3).Build());
        Assert.Contains("conv2d_1", e.Message);
        Assert.Contains("[2,2,2]", e.Message);
        var dense = Assert.Throws<ShapeException>(() => ModelBuilder.Input(1, 28, 28).Dense(10).Build());
        Assert.Contains("Flatten", dense.Message);
        Assert.Throws<ArgumentException>(() => ModelBuilder.Input(1, 0, 28));
        var preset = Assert.Throws<InvalidValueException>(() => ModelBuilder.Preset("lenet"));
        Assert.Contains("seed-cnn", preset.Message);
        Assert.IsAssignableFrom<FuncCnnException>(preset);
    }
}
