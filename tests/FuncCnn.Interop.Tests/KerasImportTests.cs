using Xunit;
using FuncCnn;
using Xunit.Abstractions;

namespace FuncCnn.Interop.Tests;

public class KerasImportTests(ITestOutputHelper output)
{
    [Fact]
    public void Cnn_model_h5_imports_with_keras_layer_names_and_121930_parameters()
    {
        var model = Model.ImportKeras(Shared.Keras("cnn_model.h5"));
        Assert.Equal(new[] { "conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "output" }, model.Layers.Select(l => l.Name));
        Assert.Equal(121_930, model.ParameterCount);
        Assert.Equal(new[] { 1, 28, 28 }, model.InputShape);
        var summary = model.Summary().ToString();
        output.WriteLine(summary);
        Assert.Contains("conv1", summary);
        Assert.Contains("dense1", summary);
        Assert.Contains("121,930", summary);
    }

    [Fact]
    public void Cnn_model_h5_computes_what_keras_computes_on_real_mnist_images()
    {
        var model = Model.ImportKeras(Shared.Keras("cnn_model.h5"));
        var expected = Shared.ReferenceRows("cnn_model");
        var actual = model.Outputs(Shared.MnistImages(expected.Length));
        float diff = Shared.MaxAbsDiff(expected, actual);
        output.WriteLine($"max |FuncCnn - numpy reference| = {diff:E2}");
        Assert.True(diff <= 1e-5f, $"max abs difference {diff}");
    }

    [Fact]
    public void Cnn_model_h5_accuracy_on_the_mnist_test_set_and_a_loss_on_its_probabilities()
    {
        var model = Model.ImportKeras(Shared.Keras("cnn_model.h5"));
        var result = model.Evaluate(Shared.Mnist);
        output.WriteLine($"cnn_model.h5 on the 10,000 MNIST test images: accuracy {result.Accuracy:P2}, loss {result.Loss:F4}");
        Assert.True(result.Accuracy > 0.985, $"accuracy {result.Accuracy}");

        // The model ends in softmax: Predict gives its probabilities (no second softmax) and the loss is
        // the cross-entropy of those probabilities.
        var slice = Shared.Mnist.Take(200);
        var probabilities = model.Outputs(Enumerable.Range(0, 200).Select(slice.Image).ToArray());
        var predictions = model.Predict(slice);
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(1.0, probabilities[i].Sum(), 4);
            Assert.Equal(probabilities[i].Max(), predictions[i].Confidence, 5);
        }
        double expectedLoss = Enumerable.Range(0, 200).Average(i => -Math.Log(probabilities[i][slice.Label(i)]));
        Assert.Equal(expectedLoss, model.Evaluate(slice).Loss, 4);
    }

    [Fact]
    public void Cnn_generator_h5_turns_noise_into_the_images_keras_makes()
    {
        var imported = Model.ImportKerasFile(Shared.Keras("cnn_generator.h5"));
        var model = imported.Model;
        Assert.Equal("keras-h5", imported.Format);
        Assert.Equal(380_801, model.ParameterCount);
        Assert.Equal(new[] { 1, 28, 28 }, model.OutputShape);
        Assert.Equal(new[] { "conv1", "pool1", "conv2", "pool2", "flatten", "dense1" }, imported.FrozenLayers);

        var noise = Shared.ReferenceRows("noise");
        var expected = Shared.ReferenceRows("cnn_generator");
        var actual = model.Outputs(noise);
        float diff = Shared.MaxAbsDiff(expected, actual);
        output.WriteLine($"generator: max |FuncCnn - numpy reference| = {diff:E2}");
        Assert.True(diff <= 1e-5f, $"max abs difference {diff}");
    }

    [Fact]
    public void The_generators_decoder_trains_further_under_its_frozen_encoder()
    {
        var imported = Model.ImportKerasFile(Shared.Keras("cnn_generator.h5"));
        var options = new TrainingOptions { Epochs = 1, BatchSize = 32, FrozenLayers = imported.FrozenLayers.ToArray() };
        var (trained, history) = imported.Model.FitReconstruction(Shared.Mnist.Take(128), options);
        Assert.True(double.IsFinite(history.Epochs[^1].TrainLoss));
        Assert.Equal(imported.Model.Filters("conv1").Weights, trained.Filters("conv1").Weights);
        Assert.Equal(imported.Model.Filters("dense1").Weights, trained.Filters("dense1").Weights);
        Assert.NotEqual(imported.Model.Filters("deconv1").Weights, trained.Filters("deconv1").Weights);
        Assert.NotEqual(imported.Model.Filters("dense_decode").Weights, trained.Filters("dense_decode").Weights);
    }

    [Fact]
    public void Mlp_model_h5_imports_as_a_dense_only_model_computing_what_keras_computes()
    {
        var model = Model.ImportKeras(Shared.Keras("mlp_model.h5"));
        Assert.Equal(new[] { "Dense", "Dense" }, model.Layers.Select(l => l.Type));
        Assert.Equal(new[] { "hidden_layer", "output_layer" }, model.Layers.Select(l => l.Name));
        Assert.Equal(50_890, model.ParameterCount);
        Assert.Equal(new[] { 784 }, model.InputShape);
        var expected = Shared.ReferenceRows("mlp_model");
        var actual = model.Outputs(Shared.MnistImages(expected.Length));   // 784 floats each, row-major = Keras' flattening
        Assert.True(Shared.MaxAbsDiff(expected, actual) <= 1e-5f);
    }

    [Fact]
    public void Model_Load_recognises_a_keras_file_by_content()
    {
        using var dir = new TempDir();
        var renamed = dir.File("model.bin");
        File.Copy(Shared.Keras("cnn_model.h5"), renamed);
        var file = Model.LoadFile(renamed);
        Assert.Equal("keras-h5", file.Metadata["format"]);
        Assert.Equal(121_930, file.Model.ParameterCount);
    }
}
