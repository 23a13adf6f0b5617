// Writes the chart gallery (docs/gallery) from real data: every chart of FuncCnn.Reports as SVG + PNG.
// Run: dotnet run -c Release --project examples/FuncCnn.Gallery -- docs/gallery [--cache DIR] [--scale 1.5]
//   --cache DIR  keeps the trained classifier and autoencoder in DIR and reuses them on the next run
//                (to re-render the charts without training again).
using System.Diagnostics;
using System.Globalization;
using FuncCnn;
using FuncCnn.Reports;
using ApiModel = FuncCnn.Model;
using ReportPrediction = FuncCnn.Reports.Prediction;

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
if (!PngExporter.IsAvailable) Console.WriteLine("librsvg/cairo not found: writing SVG only (apt-get install -y librsvg2-2 libcairo2 for PNGs).");
var clock = Stopwatch.StartNew();
void Log(string message) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {message}");

void Save(string name, Figure figure)
{
    SvgExporter.ExportToFile(figure, Path.Combine(folder, name + ".svg"));
    if (PngExporter.IsAvailable) PngExporter.ExportToFile(figure, Path.Combine(folder, name + ".png"), scale);
    Log($"wrote {name}");
}

var (train, test) = Datasets.Mnist();
Log($"{train} · {test}");

// The seed CNN, 2 epochs on MNIST with 10% held out for validation.
var progress = new Progress<TrainingProgress>(p =>
{
    if (p.Batch % 50 == 0 || p.Batch == p.Batches)
        Log($"epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} loss {p.RunningLoss:F4}");
});
(ApiModel classifier, TrainingHistory history) = Cached("seed-cnn.fcnn", () =>
    ModelBuilder.Preset("seed-cnn").Build(seed: 42)
        .Fit(train, new TrainingOptions { Epochs = 2, BatchSize = 128, LearningRate = 1e-3, ValidationSplit = 0.1, Seed = 42 }, progress));

// Charts 1-6 and 11 come from the same data a training report uses (every test image predicted).
var data = TrainingReport.From(classifier, history, test);
Log($"predicted {data.Predictions.Count} test images");
var names = data.ClassNames;
Save("01-training-curves", Charts.TrainingCurves(data.History, "Seed CNN on MNIST: training curves"));
Save("02-filters", Charts.Filters(data.FirstConvFilters!, title: "Learned filters of conv1: 32 kernels of 3×3"));
Save("03-confusion-matrix", Charts.ConfusionMatrix(ConfusionCounts.FromPredictions(data.Predictions, names), title: "Confusion matrix on the 10,000 MNIST test images"));
Save("04-predictions", Charts.PredictionGrid(data.Predictions, names, title: "Predictions on the first 32 MNIST test images"));
Save("05-misclassified", Charts.Misclassified(data.Predictions, names));
Save("06-feature-maps", Charts.FeatureMaps(data.FeatureMaps!, "Feature maps of the seed CNN for one test image"));

// 7. Classic kernels on a real digit (pixels 0-255), each followed by a 2x2 max-pool.
var digitIndex = 0;
var digit = ToGray(test.Image(digitIndex), 28, 28, 255f);
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
// trained for one epoch to rebuild MNIST digits (binary cross-entropy); then random codes go in.
var encoderLayers = classifier.Layers.TakeWhile(l => l.Name != "dense2").Select(l => l.Name).ToArray();
var aeProgress = new Progress<TrainingProgress>(p =>
{
    if (p.Batch % 50 == 0 || p.Batch == p.Batches)
        Log($"autoencoder epoch {p.Epoch}/{p.Epochs} batch {p.Batch}/{p.Batches} loss {p.RunningLoss:F4}");
});
(ApiModel autoencoder, TrainingHistory aeHistory) = Cached("autoencoder.fcnn", () =>
    classifier.Autoencoder(seed: 7).FitReconstruction(train,
        new TrainingOptions { Epochs = 1, BatchSize = 128, LearningRate = 1e-3, FrozenLayers = encoderLayers, Seed = 7 }, aeProgress));
Log($"autoencoder reconstruction loss {aeHistory.Last?.TrainLoss:F4}");
var decoder = autoencoder.LayersFrom(autoencoder.Layers[encoderLayers.Length].Name);
// Plain N(0,1) codes fall far from the codes real digits get (dense1 is a ReLU: zero or positive, and
// sparse), so each of the 64 numbers is drawn from a normal with that feature's mean and spread over the
// codes of 500 test images, and negatives are set to zero as the ReLU would.
var realCodes = Enumerable.Range(0, 500).Select(i => classifier.FeatureMaps(test.Image(i)).Single(m => m.Layer == "dense1").Values.ToArray()).ToArray();
var mean = Enumerable.Range(0, 64).Select(j => realCodes.Average(c => c[j])).ToArray();
var spread = Enumerable.Range(0, 64).Select(j => Math.Sqrt(realCodes.Average(c => (c[j] - mean[j]) * (c[j] - mean[j])))).ToArray();
var rng = new Random(2024);
var codes = Enumerable.Range(0, 10).Select(_ => Enumerable.Range(0, 64).Select(j => (float)Math.Max(0, mean[j] + spread[j] * Gaussian(rng))).ToArray()).ToArray();
var generated = codes.Select(c => new GrayImage(decoder.FeatureMaps(c)[^1].Values.ToArray(), 28, 28)).ToArray();
Save("10-noise-to-images", Charts.NoiseToImages(codes.Select(GrayImage.FromVector).ToArray(), generated,
    "Noise → generated images: 64 random numbers in, a 28×28 image out"));

// 11. The classifier's layers.
var summary = data.Summary!;
Save("11-model-summary", Charts.Summary(summary with { ModelName = "seed-cnn" }));
Log($"done: {folder}");

// ------------------------------------------------------------------------------------------------

(ApiModel, TrainingHistory) Cached(string file, Func<TrainingResult> train)
{
    var path = cache is null ? null : Path.Combine(cache, file);
    if (path is not null && File.Exists(path))
    {
        var loaded = ApiModel.LoadFile(path);
        Log($"loaded {path}");
        return (loaded.Model, loaded.History);
    }
    var (model, h) = train();
    if (path is not null) model.Save(path, h);
    return (model, h);
}

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
