using FuncCnn;
using Xunit;

namespace FuncCnn.Api.Tests;

public class AutoencoderTests
{
    [Fact]
    public void The_decoder_under_a_frozen_seed_cnn_encoder_learns_to_rebuild_mnist_digits()
    {
        var classifier = ModelZoo.Build("seed-cnn", seed: 1).WithClassNames(Mnist.Train.ClassNames);
        var auto = classifier.Autoencoder(seed: 2);
        var encoder = classifier.Layers.TakeWhile(l => l.Name != "dense2").Select(l => l.Name).ToArray();
        Assert.Equal(["conv1", "pool1", "conv2", "pool2", "flatten", "dense1"], encoder);
        Assert.Equal([1, 28, 28], auto.OutputShape);
        Assert.Equal(encoder, auto.Layers.Take(encoder.Length).Select(l => l.Name));

        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, FrozenLayers = encoder, Seed = 3 };
        var (trained, history) = auto.FitReconstruction(Mnist.Train.Take(512), options);

        Assert.Equal(2, history.Epochs.Count);
        Assert.Null(history.Epochs[0].TrainAccuracy);
        Assert.True(history.Epochs[1].TrainLoss < history.Epochs[0].TrainLoss, history.ToCsv());
        Assert.Equal(classifier.Filters("conv1").Weights, trained.Filters("conv1").Weights);   // frozen
        Assert.Equal(classifier.Filters("dense1").Weights, trained.Filters("dense1").Weights);
        var decoderStart = trained.Layers[encoder.Length].Name;
        Assert.NotEqual(auto.Filters(decoderStart).Weights, trained.Filters(decoderStart).Weights); // trained

        // The decoder alone turns the encoder's code into the autoencoder's output.
        var decoder = trained.LayersFrom(decoderStart);
        Assert.Equal([64], decoder.InputShape);
        Assert.Equal(trained.Layers.Count - encoder.Length, decoder.Layers.Count);
        var image = Mnist.Test.Image(0);
        var maps = trained.FeatureMaps(image);
        var code = maps.Single(m => m.Layer == "dense1").Values.ToArray();
        Assert.Equal(maps[^1].Values, decoder.FeatureMaps(code)[^1].Values);
    }

    [Fact]
    public void An_autoencoder_needs_a_dense1_layer_and_reconstruction_an_output_of_the_input_shape()
    {
        var noDense1 = ModelBuilder.Input(1, 28, 28).Flatten().Dense(10).Build(seed: 0);
        Assert.Contains("dense1", Assert.Throws<InvalidValueException>(() => noDense1.Autoencoder()).Message);
        var small = Mnist.SmallCnn().Build(seed: 0);
        var e = Assert.Throws<ShapeException>(() => small.FitReconstruction(Mnist.Train.Take(8)));
        Assert.Contains("input's shape", e.Message);
        Assert.Throws<InvalidValueException>(() => small.LayersFrom("nope"));
    }
}
