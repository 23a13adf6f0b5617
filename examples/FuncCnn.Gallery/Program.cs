// Writes the chart gallery (docs/gallery) from real data: every chart of FuncCnn.Reports as PNG + SVG, and
// gallery.pdf with every chart on its own page. Each chart is an OxyPlot PlotModel; ChartExport writes it.
// Run: dotnet run -c Release --project examples/FuncCnn.Gallery -- docs/gallery [--cache DIR] [--scale 1.5]
//   --cache DIR  keeps the trained classifier and autoencoder in DIR and reuses them on the next run.
using System.Diagnostics;
using System.Globalization;
using FuncCnn;
using FuncCnn.Reports;
using OxyPlot;
using SkiaSharp;
using ApiModel = FuncCnn.Model;

var inv = CultureInfo.InvariantCulture;
string folder = "docs/gallery";
string? cache = null;
double scale = 1.5;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--cache": cache = args[++i]; break;
        case "--scale": scale = double.Parse(args[++i], inv); break;
        default: folder = args[i]; break;
    }
}
Directory.CreateDirectory(folder);
if (cache is not null) Directory.CreateDirectory(cache);
var clock = Stopwatch.StartNew();
void Log(string message) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {message}");
var all = new List<PlotModel>();

void Save(string name, PlotModel chart)
{
    ChartExport.WriteSvg(chart, Path.Combine(folder, name + ".svg"));
    ChartExport.WritePng(chart, Path.Combine(folder, name + ".png"), scale);
    all.Add(chart);
    Log($"wrote {name}");
}

var (fullTrain, test) = Datasets.Mnist();
// A short real run: the seed CNN, 2 epochs on the first 6,000 training images, 10% held out for validation.
var train = fullTrain.Take(6000);
Log($"{train} · {test}");
var progress = new Progress<TrainingProgress>(p =>
{
    if (p.Batch == p.Batches) Log($"epoch {p.Epoch}/{p.Epochs} loss {p.RunningLoss:F4}");
});
(ApiModel classifier, TrainingHistory history) = Cached("seed-cnn.fcnn", () =>
    ModelBuilder.Preset("seed-cnn").Build(seed: 42)
        .Fit(train, new TrainingOptions { Epochs = 2, BatchSize = 128, LearningRate = 1e-3, ValidationSplit = 0.1, Seed = 42 }, progress));

// The charts of a training report come from the same data TrainingReport gathers (every test image predicted).
var data = TrainingReport.From(classifier, history, test, train: train);
Log($"predicted {data.Predictions.Count} test images");
var names = data.ClassNames;
Save("01-training-curves", Charts.TrainingCurves(data.History, "Seed CNN on MNIST: training curves"));
Save("02-filters", Charts.Filters(data.FirstConvFilters!, title: "Learned filters of conv1: 32 kernels of 3×3"));
Save("03-confusion-matrix", Charts.ConfusionMatrix(ConfusionCounts.FromPredictions(data.Predictions, names), title: "Confusion matrix on the 10,000 MNIST test images"));
Save("04-predictions", Charts.PredictionGrid(data.Predictions, names, title: "Predictions on the first 32 MNIST test images"));
Save("04b-training-predictions", Charts.PredictionGrid(data.TrainingPredictions, names, title: "Predictions on the first 32 MNIST training images"));
Save("05-misclassified", Charts.Misclassified(data.Predictions, names));
Save("06-feature-maps", Charts.FeatureMaps(data.FeatureMaps!, "Feature maps of the seed CNN for one test image"));

// 7. Classic kernels on a real digit (pixels 0-255), each followed by a 2x2 max-pool.
var digit = ToGray(test.Image(0), 28, 28, 255f);
foreach (var kernel in new[] { ImageKernel.SobelX, ImageKernel.BoxBlur, ImageKernel.Sharpen, ImageKernel.EdgeDetection })
{
    var filtered = ImageOps.Convolve(digit, kernel);
    var pooled = ImageOps.MaxPool(filtered, 2);
    var slug = kernel.Name.ToLowerInvariant().Replace(' ', '-');
    Save($"07-kernel-{slug}", Charts.KernelAtWork(Gray(digit), Kernel(kernel), Gray(filtered), Gray(pooled), kernel.Name));
}

// 8. The from-scratch pipeline on the centred "X" of the teaching letters, with a diagonal filter.
var letters = Datasets.Letters();
var xIndex = Enumerable.Range(0, letters.Count).First(i => letters.ClassNames[letters.Label(i)] == "X");
var letter = ToGray(letters.Image(xIndex), 6, 6, 1f);
var diagonal = new ImageKernel("diagonal", new float[,] { { 1, -1, -1 }, { -1, 1, -1 }, { -1, -1, 1 } });
var convolved = ImageOps.Convolve(letter, diagonal);
var activated = ImageOps.Relu(convolved);
var pooledLetter = ImageOps.MaxPool(activated, 2);
var flattened = Gray(pooledLetter).Pixels;
Save("08-pipeline", Charts.Pipeline(new PipelineStages(Gray(letter), Kernel(diagonal), Gray(convolved), Gray(activated), Gray(pooledLetter), flattened),
    "A convolution layer from scratch on the letter X"));

// 9. Quick, Draw!: images per category (training and test parts together).
var quickDraw = Datasets.QuickDraw();
var qdCounts = quickDraw.Train.ClassCounts().Zip(quickDraw.Test.ClassCounts(), (a, b) => a + b).ToArray();
Save("09-class-histogram", Charts.ClassHistogram(quickDraw.Train.ClassNames, qdCounts, $"Quick, Draw!: drawings per category ({qdCounts.Length} categories)"));

// 10. The notebook's decoder: the trained classifier up to dense1, frozen, under the zoo decoder,
// trained for one epoch on the 6,000 images to rebuild them (binary cross-entropy); then random codes go in.
var encoderLayers = classifier.Layers.TakeWhile(l => l.Name != "dense2").Select(l => l.Name).ToArray();
(ApiModel autoencoder, TrainingHistory aeHistory) = Cached("autoencoder.fcnn", () =>
    classifier.Autoencoder(seed: 7).FitReconstruction(train,
        new TrainingOptions { Epochs = 1, BatchSize = 128, LearningRate = 1e-3, FrozenLayers = encoderLayers, Seed = 7 }));
Log($"autoencoder reconstruction loss {aeHistory.Last?.TrainLoss:F4}");
var decoder = autoencoder.LayersFrom(autoencoder.Layers[encoderLayers.Length].Name);
// Each of the 64 numbers is drawn from a normal with that feature's mean and spread over the codes of 500 test
// images, negatives set to zero as dense1's ReLU would (plain N(0,1) codes fall far from real ones).
var realCodes = Enumerable.Range(0, 500).Select(i => classifier.FeatureMaps(test.Image(i)).Single(m => m.Layer == "dense1").Values.ToArray()).ToArray();
var mean = Enumerable.Range(0, 64).Select(j => realCodes.Average(c => c[j])).ToArray();
var spread = Enumerable.Range(0, 64).Select(j => Math.Sqrt(realCodes.Average(c => (c[j] - mean[j]) * (c[j] - mean[j])))).ToArray();
var rng = new Random(2024);
var codes = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, 64).Select(j => (float)Math.Max(0, mean[j] + spread[j] * Gaussian(rng))).ToArray()).ToArray();
var generated = codes.Select(c => new GrayImage(decoder.FeatureMaps(c)[^1].Values.ToArray(), 28, 28)).ToArray();
Save("10-noise-to-images", Charts.NoiseToImages(codes.Select(GrayImage.FromVector).ToArray(), generated,
    "Noise → generated images: 64 random numbers in, a 28×28 image out"));

// 11. The classifier's layers, as a table and as a diagram.
var summary = data.Summary! with { ModelName = "seed-cnn" };
Save("11-model-summary", Charts.Summary(summary));
Save("12-model-diagram", Charts.ModelDiagram(summary));

// 13. One convolution step and the small numbered matrices, on the letter X.
Save("13-convolution-step", Charts.ConvolutionStep(Gray(letter), Kernel(diagonal), 1, 2, bias: 0, "One convolution step on the letter X"));
Save("14-matrices", Charts.Matrices(
[
    new LabeledMatrix("Input", Gray(letter)), new LabeledMatrix("Kernel", Kernel(diagonal) is var k ? new GrayImage(k.Weights, 3, 3) : null!, true),
    new LabeledMatrix("Feature map", Gray(convolved), true), new LabeledMatrix("After ReLU", Gray(activated), true),
    new LabeledMatrix("After pooling", Gray(pooledLetter), true),
], "The letter X through a convolution, ReLU and max-pooling"));

// 15. Activation functions; 16. the flattened output of the seed CNN's pool2 for test image 0 as bars.
Save("15-relu", Charts.ActivationFunctions(ActivationFunction.Relu));
Save("15b-activations", Charts.ActivationFunctions(ActivationFunction.Relu, ActivationFunction.LeakyRelu, ActivationFunction.Sigmoid, ActivationFunction.Tanh));
var flat = classifier.FeatureMaps(test.Image(0)).Single(m => m.Type == "Flatten").Values.ToArray();
Save("16-flattened-vector", Charts.VectorBars(flat, $"The flattened input of dense1 for test image 0: {flat.Length} values"));

// 17. Dataset previews: MNIST, Quick, Draw! and (when installed) Fashion-MNIST.
Save("17-preview-mnist", Charts.DatasetPreview(Sample(train, 8), train.ClassNames, title: "MNIST: eight training images per digit"));
Save("17-preview-quickdraw", Charts.DatasetPreview(Sample(quickDraw.Train, 8), quickDraw.Train.ClassNames, title: "Quick, Draw!: eight drawings per category"));
try
{
    var fashion = Datasets.FashionMnist();
    Save("17-preview-fashion-mnist", Charts.DatasetPreview(Sample(fashion.Train, 8), fashion.Train.ClassNames, title: "Fashion-MNIST: eight training images per class"));
}
catch (DataFormatException e) { Log($"Fashion-MNIST not found, its preview is left out ({e.Message.Split('\n')[0]})"); }

// 18. One channel of conv2 across eight test images of the digit 3.
var threes = Enumerable.Range(0, test.Count).Where(i => test.Label(i) == 3).Take(8).ToArray();
var maps = threes.Select(i => classifier.FeatureMaps(test.Image(i)).Single(m => m.Layer == "conv2")).ToArray();
Save("18-channel-across-images", Charts.ChannelAcrossImages(threes.Select(i => new GrayImage(test.Image(i), 28, 28)).ToArray(),
    maps.Select(m => new GrayImage(Flat(m.Channel(5)), m.Shape[1], m.Shape[2])).ToArray(), "conv2", 5, "the digit 3"));

// 19. A colour photograph: its three channels, and a kernel applied to all three (decoded with SkiaSharp).
var astronaut = ReadRgb(Path.Combine(SharedImages(), "astronaut.png"), 128);
Save("19-rgb-channels", Charts.RgbChannels(astronaut, "The astronaut photograph is three channels"));
var edges = new float[126 * 126];
for (var ch = 0; ch < 3; ch++)
{
    var plane = ImageOps.Convolve(ToGray(astronaut.Channel(ch).Pixels, 128, 128, 1f), ImageKernel.EdgeDetection);
    var p = Gray(plane).Pixels;
    for (var i = 0; i < p.Length; i++) edges[i] += p[i];
}
Save("20-kernel-on-colour-photo", Charts.KernelOnColorImage(astronaut, Kernel(ImageKernel.EdgeDetection), new GrayImage(edges, 126, 126), "edge detection"));

ChartExport.WritePdf(all, Path.Combine(folder, "gallery.pdf"));
Log($"done: {folder} ({all.Count} charts, gallery.pdf)");

// ------------------------------------------------------------------------------------------------

(ApiModel, TrainingHistory) Cached(string file, Func<TrainingResult> fit)
{
    var path = cache is null ? null : Path.Combine(cache, file);
    if (path is not null && File.Exists(path))
    {
        var loaded = ApiModel.LoadFile(path);
        Log($"loaded {path}");
        return (loaded.Model, loaded.History);
    }
    var (model, h) = fit();
    if (path is not null) model.Save(path, h);
    return (model, h);
}

static DatasetSample Sample(Dataset set, int perClass)
{
    var seen = new int[set.ClassNames.Count];
    var picked = Enumerable.Range(0, set.Count).Where(i => seen[set.Label(i)]++ < perClass).ToArray();
    return new DatasetSample(picked.Select(i => new GrayImage(set.Image(i), 28, 28)).ToArray(), picked.Select(set.Label).ToArray(), set.Name);
}

static string SharedImages()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "..", "shared", "images");
        if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
    }
    throw new DirectoryNotFoundException("../shared/images not found beside the repository.");
}

static RgbImage ReadRgb(string path, int size)
{
    using var original = SKBitmap.Decode(path) ?? throw new DataFormatException(path, "not an image SkiaSharp can decode");
    using var small = original.Resize(new SKImageInfo(size, size), SKFilterQuality.High);
    var pixels = new float[3 * size * size];
    for (var y = 0; y < size; y++)
        for (var x = 0; x < size; x++)
        {
            var c = small.GetPixel(x, y);
            pixels[y * size + x] = c.Red / 255f;
            pixels[size * size + y * size + x] = c.Green / 255f;
            pixels[2 * size * size + y * size + x] = c.Blue / 255f;
        }
    return new RgbImage(pixels, size, size);
}

static float[] Flat(float[,] m) => Gray(m).Pixels;

static float[,] ToGray(float[] pixels, int height, int width, float scale)
{
    var image = new float[height, width];
    for (var r = 0; r < height; r++)
        for (var c = 0; c < width; c++)
            image[r, c] = pixels[r * width + c] * scale;
    return image;
}

static GrayImage Gray(float[,] image)
{
    int h = image.GetLength(0), w = image.GetLength(1);
    var pixels = new float[h * w];
    for (var r = 0; r < h; r++)
        for (var c = 0; c < w; c++)
            pixels[r * w + c] = image[r, c];
    return new GrayImage(pixels, h, w);
}

static Kernel2D Kernel(ImageKernel k) => new(Gray(k.Values).Pixels, k.Height, k.Width);

static double Gaussian(Random rng) =>
    Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
