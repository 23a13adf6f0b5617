using FuncCnn;
using Xunit;

namespace FuncCnn.Api.Tests;

/// <summary>Issue 11: what the teaching notebooks do, from C# (the bugs a new user hit, and the missing capabilities).</summary>
public class NotebookTests
{
    private static readonly string[] Four = ["airplane", "apple", "banana", "cat"];

    [Fact]
    public void A_test_subset_covers_every_class_even_when_the_dataset_is_sorted_by_class()
    {
        // a dataset sorted by class, as QuickDraw's files are: the first 30 images are all class 0
        var labels = Enumerable.Range(0, 100).Select(i => i / 25).ToArray();
        var sorted = Dataset.FromArrays(new byte[100], [1, 1], labels, ["a", "b", "c", "d"]);
        var sample = sorted.Sample(30, seed: 1);
        Assert.Equal(30, sample.Count);
        Assert.All(sample.ClassCounts(), c => Assert.InRange(c, 7, 8));  // proportional: 30 x 25/100 each
        Assert.Equal(sample.Labels, sorted.Sample(30, seed: 1).Labels);   // seeded
        Assert.NotEqual(sample.Labels.OrderBy(l => l), sample.Labels);     // and mixed
        Assert.Equal(4, sorted.Sample(4, seed: 3).ClassCounts().Count(c => c == 1)); // one per class when only that fits
        Assert.Equal([25, 25, 25, 25], sorted.Sample(1000).ClassCounts());

        // QuickDraw's parts come mixed, so a first-N view (the report's grids) sees every category
        var qd = Datasets.QuickDraw(categories: Four, seed: 0);
        Assert.Equal(4, qd.Test.Take(40).Labels.Distinct().Count());
        Assert.Equal(4, qd.Train.Take(40).Labels.Distinct().Count());
        Assert.Equal(Four, qd.Test.ClassNames);
    }

    [Fact]
    public void A_preset_output_layer_follows_the_class_count()
    {
        var model = ModelZoo.Build("quickdraw", seed: 0, classes: 4);
        Assert.Equal([4], model.OutputShape);
        Assert.Equal([345], ModelZoo.Build("quickdraw").OutputShape);
        Assert.Equal([3], ModelBuilder.Preset("seed-cnn", classes: 3).Build().OutputShape);
        Assert.Throws<InvalidValueException>(() => ModelZoo.Build("decoder", classes: 4));

        var data = Datasets.QuickDraw(categories: Four).Train.Take(64);
        var trained = ModelZoo.Build("fashion-dense", classes: data.ClassNames.Count).Fit(data, new TrainingOptions { Epochs = 1 }).Model;
        Assert.Equal(Four, trained.ClassNames);
        var evaluation = trained.Evaluate(data);
        Assert.Equal(4, evaluation.ConfusionMatrix.Classes);
        Assert.Equal(Four, evaluation.ConfusionMatrix.ClassNames);
    }

    [Fact]
    public void Freezing_a_layer_the_model_does_not_have_names_it_and_the_layers()
    {
        var model = Mnist.SmallCnn().Build(seed: 0);
        var options = new TrainingOptions { FrozenLayers = ["conv1", "dense_7"] };
        var e = Assert.Throws<InvalidValueException>(() => model.Fit(Mnist.Train.Take(8), options));
        Assert.Contains("'dense_7'", e.Message);
        Assert.Contains("conv1, pool1, flatten, dense1", e.Message);
        Assert.Throws<InvalidValueException>(() => model.FitReconstruction(Mnist.Train.Take(8), options));
        Assert.Throws<InvalidValueException>(() => model.Summary(["nope"]));
    }

    [Fact]
    public void The_autoencoder_cuts_a_builder_made_seed_cnn_at_its_last_hidden_dense_or_where_asked()
    {
        var built = ModelBuilder.Input(1, 28, 28)
            .Conv2D(32, 3, Activation.Relu).MaxPool2D(2).Conv2D(64, 3, Activation.Relu).MaxPool2D(2)
            .Flatten().Dense(64, Activation.Relu).Dense(10).Build(seed: 1);
        Assert.Equal("dense", built.Layers[^2].Name);
        var auto = built.Autoencoder(seed: 2);
        Assert.Equal([1, 28, 28], auto.OutputShape);
        var encoder = built.EncoderLayers();
        Assert.Equal("dense", encoder[^1]);
        Assert.Equal(encoder, auto.Layers.Take(encoder.Count).Select(l => l.Name));
        Assert.Equal(built.Filters("dense").Weights, auto.Filters("dense").Weights);

        var atFlatten = built.Autoencoder(seed: 2, cutAfter: "flatten");
        Assert.Equal("flatten", atFlatten.Layers[4].Name);
        Assert.Equal([1600], atFlatten.Layers[5].InputShape);   // the decoder takes the flattened maps
        Assert.Equal([1, 28, 28], atFlatten.OutputShape);
        Assert.Equal("flatten", built.EncoderLayers("flatten")[^1]);
        var notFlat = Assert.Throws<InvalidValueException>(() => built.Autoencoder(cutAfter: "conv2d_1"));
        Assert.Contains("not a flat code", notFlat.Message);
        var none = Assert.Throws<InvalidValueException>(() => built.Autoencoder(cutAfter: "dense9"));
        Assert.Contains("dense9", none.Message);
        Assert.Equal("dense1", ModelZoo.Build("seed-cnn").EncoderLayers()[^1]);
    }

    [Fact]
    public void Split_rounds_and_the_fraction_is_the_validation_part()
    {
        var ds = Dataset.FromArrays(new byte[1000], [1, 1], new int[1000], ["x"]);
        var (train, validation) = ds.Split(0.8);
        Assert.Equal((200, 800), (train.Count, validation.Count));
        (train, validation) = ds.Split(0.2);
        Assert.Equal((800, 200), (train.Count, validation.Count));
        (train, validation) = ds.Split(0.3);
        Assert.Equal((700, 300), (train.Count, validation.Count));
    }

    [Fact]
    public void Out_of_range_hyper_parameters_throw_at_the_call_naming_parameter_and_range()
    {
        var b = ModelBuilder.Input(1, 28, 28);
        var dropout = Assert.Throws<InvalidValueException>(() => b.Dropout(1.5));
        Assert.Contains("rate must be in [0, 1), got 1.5", dropout.Message);
        var conv = Assert.Throws<InvalidValueException>(() => b.Conv2D(0, 3));
        Assert.Contains("filters must be at least 1, got 0", conv.Message);
        var kernel = Assert.Throws<InvalidValueException>(() => b.Conv2D(4, 0));
        Assert.Contains("kernel size must be at least 1x1", kernel.Message);
        var dense = Assert.Throws<InvalidValueException>(() => b.Flatten().Dense(-1));
        Assert.Contains("units must be at least 1, got -1", dense.Message);
        var pool = Assert.Throws<InvalidValueException>(() => b.MaxPool2D(0));
        Assert.Contains("pool size must be at least 1x1", pool.Message);
        Assert.Throws<InvalidValueException>(() => b.AvgPool2D(2, stride: 0));
        Assert.Throws<InvalidValueException>(() => b.Conv2DTranspose(1, 3, stride: -1));
        Assert.Throws<InvalidValueException>(() => b.Dropout(double.NaN));
    }
}

public class RoughEdgeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("funccnn-edges-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Predict_rejects_non_finite_pixels()
    {
        var model = Mnist.SmallCnn().Build(seed: 0);
        var image = Mnist.Test.Image(0);
        image[100] = float.NaN;
        var e = Assert.Throws<InvalidValueException>(() => model.Predict(image));
        Assert.Contains("NaN", e.Message);
        Assert.Contains("index 100", e.Message);
        image[100] = float.PositiveInfinity;
        Assert.Throws<InvalidValueException>(() => model.Predict([Mnist.Test.Image(1), image]));
        Assert.Throws<InvalidValueException>(() => model.Outputs([image]));
    }

    [Fact]
    public void Bad_history_json_is_a_data_format_exception()
    {
        Assert.Throws<DataFormatException>(() => TrainingHistory.FromJson("{ not json"));
        Assert.Throws<DataFormatException>(() => TrainingHistory.FromJson("null"));
        Assert.Contains("epochs", Assert.Throws<DataFormatException>(() => TrainingHistory.FromJson("{}")).Message);
        Assert.Throws<DataFormatException>(() => TrainingHistory.FromJson("{\"epochs\": 3}"));
    }

    [Fact]
    public void Saving_into_a_missing_folder_creates_it_and_a_failed_write_names_the_folder()
    {
        var model = Mnist.SmallCnn().Build(seed: 0);
        var path = Path.Combine(_dir.FullName, "new", "deeper", "model.fcnn");
        model.Save(path);
        Assert.Equal(model.Filters("conv1").Weights, Model.Load(path).Filters("conv1").Weights);
        model.ExportOnnx(Path.Combine(_dir.FullName, "onnx", "m.onnx"));
        model.SaveSafetensors(Path.Combine(_dir.FullName, "st", "m.safetensors"));
        Assert.True(File.Exists(Path.Combine(_dir.FullName, "st", "m.safetensors")));

        // a folder that cannot be made (a file is in the way): an IOException naming it
        var blocker = Path.Combine(_dir.FullName, "file");
        File.WriteAllText(blocker, "x");
        var e = Assert.ThrowsAny<IOException>(() => model.Save(Path.Combine(blocker, "model.fcnn")));
        Assert.IsNotType<ModelFileException>(e);
        Assert.Contains(blocker, e.Message);
    }
}

public class ValidationDataTests
{
    [Fact]
    public void Validation_on_a_given_dataset_every_epoch_fills_the_history()
    {
        var test = Mnist.Test.Sample(200, seed: 1);
        var options = new TrainingOptions { Epochs = 2, BatchSize = 64, ValidationData = test };
        var (model, history) = Mnist.SmallCnn().Build(seed: 0).Fit(Mnist.Train.Take(512), options);
        Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationLoss));
        Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationAccuracy));
        var evaluation = model.Evaluate(test);
        Assert.Equal(evaluation.Loss, history.Last!.ValidationLoss!.Value, 4);
        Assert.Equal(evaluation.Accuracy, history.Last.ValidationAccuracy!.Value, 6);

        // early stopping may watch it; both kinds of validation at once is a mistake
        var early = options with { EarlyStopping = new EarlyStopping(StoppingMetric.ValidationLoss, Patience: 0), Epochs = 3 };
        Assert.NotNull(Mnist.SmallCnn().Build().Fit(Mnist.Train.Take(128), early).History.BestEpoch);
        Assert.Throws<ArgumentException>(() => Mnist.SmallCnn().Build().Fit(Mnist.Train.Take(64), options with { ValidationSplit = 0.1 }));
        var letters = Datasets.Letters();
        Assert.Throws<ShapeException>(() => Mnist.SmallCnn().Build().Fit(Mnist.Train.Take(64), options with { ValidationData = letters }));
        // reconstruction validates with its own loss
        var auto = ModelZoo.Build("seed-cnn", seed: 1).Autoencoder(seed: 2);
        var rec = auto.FitReconstruction(Mnist.Train.Take(64), new TrainingOptions { Epochs = 1, ValidationData = test.Take(32) }).History;
        Assert.NotNull(rec.Last!.ValidationLoss);
        Assert.Null(rec.Last.ValidationAccuracy);
    }
}

/// <summary>../shared (models, seeds, images), found above the test binaries.</summary>
internal static class SharedFiles
{
    public static string Dir { get; } = Find();

    public static string Keras(string name) => Path.Combine(Dir, "models", "keras", name);

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "models"))) return candidate;
        }
        throw new DirectoryNotFoundException("../shared was not found above " + AppContext.BaseDirectory);
    }
}

public class GeneratorTests
{
    [Fact]
    public void The_imported_keras_generator_turns_28x28_noise_into_images_seeded()
    {
        var generator = Model.Load(SharedFiles.Keras("cnn_generator.h5"));
        Assert.Equal([1, 28, 28], generator.InputShape);
        var g = generator.Generate(4, seed: 7);
        Assert.Equal(4, g.Noise.Count);
        Assert.Equal(4, g.Images.Count);
        Assert.Equal([1, 28, 28], g.NoiseShape);
        Assert.Equal([1, 28, 28], g.ImageShape);
        Assert.All(g.Noise, n => Assert.Equal(784, n.Length));
        var all = g.Noise.SelectMany(v => v).ToArray();
        Assert.InRange(all.Average(), -0.1, 0.1);                                           // N(0, 1)
        Assert.InRange(Math.Sqrt(all.Average(v => (double)v * v)), 0.9, 1.1);
        Assert.Equal(generator.Outputs(g.Noise), g.Images);                                  // the whole model
        Assert.Equal(g.Images, generator.Generate(4, seed: 7).Images);                       // seeded
        Assert.NotEqual(g.Noise[0], generator.Generate(4, seed: 8).Noise[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate(0));
        // 2^31 / 784 noise images would wrap the element count in 32 bits: a ShapeException naming it
        var huge = Assert.Throws<ShapeException>(() => generator.Generate(int.MaxValue / 700));
        Assert.Contains("784", huge.Message);
    }
}

public class WeightTests
{
    [Fact]
    public void Sobel_kernels_set_into_a_conv2d_filter_mnist_digits_into_26x26_edge_maps()
    {
        var model = ModelBuilder.Input(1, 28, 28).Conv2D(2, 3, name: "sobel").Build(seed: 0);
        var sobel = model.WithKernels("sobel", [ImageKernel.SobelX, ImageKernel.SobelY], bias: [0f, 0f]);
        var image = Mnist.Test.Image(0);
        var map = sobel.FeatureMaps(image).Single(m => m.Layer == "sobel");
        Assert.Equal([2, 26, 26], map.Shape);
        var digit = new float[28, 28];
        for (int i = 0; i < 784; i++) digit[i / 28, i % 28] = image[i];
        var byHandX = ImageOps.Convolve(digit, ImageKernel.SobelX);
        var byHandY = ImageOps.Convolve(digit, ImageKernel.SobelY);
        for (int i = 0; i < 26 * 26; i++)
        {
            Assert.Equal(byHandX[i / 26, i % 26], map.Values[i], 5);
            Assert.Equal(byHandY[i / 26, i % 26], map.Values[26 * 26 + i], 5);
        }
        Assert.True(map.Values.Max() > 1);                      // edges found
        Assert.Equal(ImageKernel.SobelX.Values, sobel.Filters("sobel").Kernel(0));
        Assert.NotEqual(ImageKernel.SobelX.Values, model.Filters("sobel").Kernel(0));  // the original is unchanged

        // the flat form, as Filters returns it; shapes and values checked
        var dense = ModelBuilder.Input(4).Dense(2, name: "d").Build();
        var set = dense.WithWeights("d", [1, 2, 3, 4, 5, 6, 7, 8], [0.5f, -0.5f]);
        Assert.Equal([1f, 2, 3, 4, 5, 6, 7, 8], set.Filters("d").Weights);
        Assert.Equal([0.5f, -0.5f], set.Filters("d").Bias);
        Assert.Contains("(4,2) = 8 values, but 3", Assert.Throws<ShapeException>(() => dense.WithWeights("d", [1, 2, 3])).Message);
        Assert.Throws<ShapeException>(() => dense.WithWeights("d", new float[8], [1f]));
        Assert.Throws<InvalidValueException>(() => dense.WithWeights("d", [float.NaN, 2, 3, 4, 5, 6, 7, 8]));
        Assert.Contains("'x'", Assert.Throws<InvalidValueException>(() => dense.WithWeights("x", new float[8])).Message);
        Assert.Throws<ShapeException>(() => model.WithKernels("sobel", [ImageKernel.SobelX]));
        var pooled = ModelBuilder.Input(1, 4, 4).MaxPool2D(2, name: "p").Flatten().Dense(1, name: "d").Build();
        Assert.Contains("no weights", Assert.Throws<InvalidValueException>(() => pooled.WithWeights("p", [1f])).Message);
    }
}

public class ImageOpsNotebookTests
{
    private static float[,] Ramp(int h, int w)
    {
        var image = new float[h, w];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) image[i, j] = i * w + j;
        return image;
    }

    private static readonly ImageKernel Ones = new("ones", new float[,] { { 1, 1, 1 }, { 1, 1, 1 }, { 1, 1, 1 } });

    [Fact]
    public void Convolve_takes_bias_stride_and_same_padding_like_the_notebooks_conv2d()
    {
        var image = Ramp(5, 5);
        Assert.Equal(new float[,] { { 55, 73 }, { 145, 163 } }, ImageOps.Convolve(image, Ones, bias: 1, stride: 2));
        var same = ImageOps.Convolve(image, Ones, padding: Padding.Same);
        Assert.Equal((5, 5), (same.GetLength(0), same.GetLength(1)));
        Assert.Equal(12, same[0, 0]);                                  // 0 + 1 + 5 + 6: zeros outside
        Assert.Equal(6 * 9, same[1, 1]);
        var sameStrided = ImageOps.Convolve(image, Ones, stride: 2, padding: Padding.Same);
        Assert.Equal((3, 3), (sameStrided.GetLength(0), sameStrided.GetLength(1)));
        Assert.Equal(12, sameStrided[0, 0]);
        Assert.Equal(same[2, 2], sameStrided[1, 1]);
        // the clamp to 0-255 still applies, after the bias
        var clamped = ImageOps.Convolve(image, Ones, clampTo255: true, bias: 100);
        Assert.Equal(154, clamped[0, 0]);                              // 54 + 100
        Assert.Equal(255, clamped[2, 2]);                              // 162 + 100 > 255
        Assert.Equal(0, ImageOps.Convolve(image, Ones, clampTo255: true, bias: -100)[0, 0]);
        Assert.Throws<ArgumentException>(() => ImageOps.Convolve(image, Ones, stride: 0));
        Assert.Throws<ArgumentException>(() => ImageOps.Convolve(new float[2, 2], Ones));
        Assert.Equal((2, 2), (ImageOps.Convolve(new float[2, 2], Ones, padding: Padding.Same).GetLength(0), 2));
    }

    [Fact]
    public void Pooling_takes_any_size_and_stride()
    {
        var image = Ramp(4, 4);
        Assert.Equal(new float[,] { { 5, 6, 7 }, { 9, 10, 11 }, { 13, 14, 15 } }, ImageOps.MaxPool(image, 2, stride: 1));
        Assert.Equal(new float[,] { { 2.5f, 4.5f }, { 10.5f, 12.5f } }, ImageOps.AvgPool(image, 2));
        Assert.Equal(new float[,] { { 10, 11 }, { 14, 15 } }, ImageOps.MaxPool(image, 3, stride: 1));
        Assert.Equal(new float[,] { { 10 } }, ImageOps.MaxPool(image, 3, stride: 2));
        Assert.Equal(new float[,] { { 5, 7 }, { 13, 15 } }, ImageOps.MaxPool(image, 2));
        Assert.Throws<ArgumentException>(() => ImageOps.MaxPool(image, 2, stride: 0));
        Assert.Throws<ArgumentException>(() => ImageOps.AvgPool(image, 5));
    }
}

public class NotebookLettersTests
{
    [Fact]
    public void The_from_scratch_notebooks_letters_and_training_set_exactly()
    {
        var ds = Datasets.NotebookLetters();
        Assert.Equal(4, ds.Count);
        Assert.Equal([0, 0, 1, 1], ds.Labels);
        Assert.Equal(["O", "X"], ds.ClassNames);
        Assert.Equal([1, 6, 6], ds.ImageShape);
        float[] o =
        [
            0, 1, 1, 1, 1, 0,
            1, 0, 0, 0, 0, 1,
            1, 0, 0, 0, 0, 1,
            1, 0, 0, 0, 0, 1,
            1, 0, 0, 0, 0, 1,
            0, 1, 1, 1, 1, 0,
        ];
        float[] x =
        [
            1, 0, 0, 0, 0, 1,
            0, 1, 0, 0, 1, 0,
            0, 0, 1, 1, 0, 0,
            0, 0, 1, 1, 0, 0,
            0, 1, 0, 0, 1, 0,
            1, 0, 0, 0, 0, 1,
        ];
        // create_shifted_o(shift_right=1) and create_shifted_x(shift_right=1), as the notebook computes them
        float[] oShifted =
        [
            0, 0, 0, 1, 1, 1,
            0, 0, 1, 0, 0, 0,
            0, 0, 1, 0, 0, 0,
            0, 0, 1, 0, 0, 0,
            0, 0, 1, 0, 0, 0,
            0, 0, 0, 1, 1, 1,
        ];
        float[] xShifted =
        [
            0, 0, 1, 0, 0, 0,
            0, 0, 0, 1, 0, 1,
            0, 0, 0, 0, 1, 0,
            0, 0, 0, 0, 1, 0,
            0, 0, 0, 1, 0, 1,
            0, 0, 1, 0, 0, 0,
        ];
        Assert.Equal(o, ds.Image(0));
        Assert.Equal(oShifted, ds.Image(1));
        Assert.Equal(x, ds.Image(2));
        Assert.Equal(xShifted, ds.Image(3));
    }

    [Fact]
    public void The_40_parameter_network_learns_the_letters_with_only_its_dense_layers_trainable()
    {
        var letters = Datasets.NotebookLetters();
        foreach (var seed in new[] { 0, 1, 2 })
        {
            // as the notebook: a random filter that stays as it is, SGD at 0.1 one image at a time
            var untrained = ModelZoo.Build("o-vs-x", seed);
            Assert.Equal(40, untrained.ParameterCount);
            Assert.Equal(30, untrained.Summary(["conv2d"]).TrainableParameters);
            var options = new TrainingOptions { Epochs = 500, BatchSize = 1, Optimizer = Optimizer.Sgd, LearningRate = 0.1, FrozenLayers = ["conv2d"], Seed = seed };
            var (trained, history) = untrained.Fit(letters, options);
            Assert.True(history.Last!.TrainLoss < 0.1, history.ToCsv());
            Assert.Equal(1.0, trained.Evaluate(letters).Accuracy);
            Assert.Equal(untrained.Filters("conv2d").Weights, trained.Filters("conv2d").Weights);
            Assert.Equal(untrained.Filters("conv2d").Bias, trained.Filters("conv2d").Bias);
            Assert.NotEqual(untrained.Filters("dense").Weights, trained.Filters("dense").Weights);
            Assert.Equal("X", trained.Predict(letters.Image(3)).ClassName);
        }
    }
}

/// <summary>QuickDraw's stroke format (.ndjson) from C#.</summary>
public sealed class StrokeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("funccnn-strokes-");

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>A folder of cat.ndjson (circles-ish, with "word") and line.ndjson (bare arrays, times included).</summary>
    internal static string WriteStrokes(string folder, int perClass = 10)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(3);
        var cats = Enumerable.Range(0, perClass).Select(_ =>
        {
            var xs = Enumerable.Range(0, 12).Select(k => (int)(128 + 100 * Math.Cos(k * Math.PI / 6)) + random.Next(-5, 5));
            var ys = Enumerable.Range(0, 12).Select(k => (int)(128 + 100 * Math.Sin(k * Math.PI / 6)) + random.Next(-5, 5));
            return $"{{\"word\":\"cat\",\"countrycode\":\"DE\",\"drawing\":[[[{string.Join(",", xs)}],[{string.Join(",", ys)}]]]}}";
        });
        File.WriteAllLines(Path.Combine(folder, "cat.ndjson"), cats);
        var lines = Enumerable.Range(0, perClass).Select(_ => $"[[[0,{200 + random.Next(55)}],[{random.Next(255)},{random.Next(255)}],[0,10]]]");
        File.WriteAllLines(Path.Combine(folder, "line.ndjson"), lines);
        return folder;
    }

    [Fact]
    public void Stroke_files_load_rasterized_split_and_filtered()
    {
        var folder = WriteStrokes(Path.Combine(_dir.FullName, "strokes"));
        var pair = Datasets.QuickDrawStrokes(folder, testFraction: 0.2, seed: 1);
        Assert.Equal(["cat", "line"], pair.Train.ClassNames);
        Assert.Equal((16, 4), (pair.Train.Count, pair.Test.Count));
        Assert.Equal([2, 2], pair.Test.ClassCounts());
        Assert.Equal([1, 28, 28], pair.Train.ImageShape);
        Assert.Contains(pair.Train.Image(0), v => v > 0.5f);       // ink was drawn
        var lines = Datasets.QuickDrawStrokes(Path.Combine(folder, "line.ndjson"), testFraction: 0.5);
        Assert.Equal(["line"], lines.Train.ClassNames);
        var onlyLines = Datasets.QuickDrawStrokes(folder, categories: ["line"]);
        Assert.Equal(["line"], onlyLines.Test.ClassNames);
        Assert.Equal(10, onlyLines.Train.Count + onlyLines.Test.Count);
        Assert.Contains("cat, line", Assert.Throws<InvalidValueException>(() => Datasets.QuickDrawStrokes(folder, categories: ["dog"])).Message);
        Assert.Throws<DataFormatException>(() => Datasets.QuickDrawStrokes(Path.Combine(folder, "none")));
        File.WriteAllText(Path.Combine(folder, "bad.ndjson"), "{\"word\":\"x\"}");
        Assert.Contains("line 1", Assert.Throws<DataFormatException>(() => Datasets.QuickDrawStrokes(folder)).Message);
    }
}
