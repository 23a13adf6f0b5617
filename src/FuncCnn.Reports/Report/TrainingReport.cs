using System.Globalization;
using Api = FuncCnn;

namespace FuncCnn.Reports;

/// <summary>
/// The report of a model trained through the C# API: maps the model, its history and a test set
/// onto <see cref="ReportData"/> and writes it with <see cref="Report.Write"/>.
/// </summary>
public static class TrainingReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Gathers what the charts need: the curves from the history, the first convolution's filters,
    /// predictions for every test image (the confusion matrix, prediction grid and errors come
    /// from them), the feature maps of one test image and the model summary.
    /// </summary>
    /// <param name="model">The trained model.</param>
    /// <param name="history">Its training history.</param>
    /// <param name="test">Labelled test images the model has not trained on.</param>
    /// <param name="title">The report's title; by default the test set's name.</param>
    /// <param name="featureMapImage">Which test image the feature maps are drawn for.</param>
    /// <param name="headlines">More headline numbers for the index page (seed, batch size, ...).</param>
    /// <param name="train">The training images, or null: they give the class histogram, the dataset preview and a prediction grid on training images.</param>
    /// <exception cref="ArgumentException">The test set is empty, or its images do not fit the model.</exception>
    public static ReportData From(Api.Model model, Api.TrainingHistory history, Api.Dataset test, string? title = null,
        int featureMapImage = 0, IReadOnlyList<Headline>? headlines = null, Api.Dataset? train = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(test);
        if (test.Count == 0)
            throw new ArgumentException("The test set is empty; the report needs labelled test images.", nameof(test));
        if (featureMapImage < 0 || featureMapImage >= test.Count)
            throw new ArgumentOutOfRangeException(nameof(featureMapImage), $"Image {featureMapImage} is outside the {test.Count} test images.");

        var (height, width) = ImageSize(test.ImageShape);
        var classNames = model.ClassNames.Count > 0 ? model.ClassNames : test.ClassNames;
        var predictions = Predictions(model, test, height, width);
        var trueProbabilityLoss = predictions.Average(p => p.Loss);
        return new ReportData(title ?? test.Name, classNames)
        {
            History = history.Epochs.Select(e => new EpochMetrics(e.Epoch, e.TrainLoss, e.TrainAccuracy ?? double.NaN,
                e.ValidationLoss, e.ValidationAccuracy, e.Seconds)).ToList(),
            FirstConvFilters = FirstConvFilters(model),
            Predictions = predictions.Select(p => p.Prediction).ToList(),
            FeatureMaps = FeatureMaps(model, test, featureMapImage, height, width, classNames),
            Summary = Summary(model),
            TestLoss = trueProbabilityLoss,
            Headlines = headlines ?? [],
            ClassCounts = train is { Count: > 0 } ? train.ClassCounts() : null,
            DatasetPreview = train is { Count: > 0 } ? Preview(train, height, width, classNames.Count) : null,
            TrainingPredictions = train is { Count: > 0 } ? Predictions(model, train.Sample(Math.Min(32, train.Count)), height, width).Select(p => p.Prediction).ToList() : [],
        };
    }

    /// <summary>
    /// Writes the report of a training run into <paramref name="folder"/>: every chart as SVG and PNG,
    /// report.pdf with a page per chart, and index.html (see <see cref="Report.Write"/>).
    /// </summary>
    /// <param name="folder">The output folder (replaced as a whole when the report is complete).</param>
    /// <param name="model">The trained model.</param>
    /// <param name="history">Its training history.</param>
    /// <param name="test">Labelled test images.</param>
    /// <param name="title">The report's title; by default the test set's name.</param>
    /// <param name="options">Formats and choices, or null for the defaults.</param>
    /// <param name="train">The training images, or null (see <see cref="From"/>).</param>
    /// <returns>What was written.</returns>
    public static WrittenReport Write(string folder, Api.Model model, Api.TrainingHistory history, Api.Dataset test,
        string? title = null, ReportOptions? options = null, Api.Dataset? train = null) =>
        Report.Write(folder, From(model, history, test, title, train: train), options);

    /// <summary>Up to eight training images of each class, in dataset order.</summary>
    private static DatasetSample Preview(Api.Dataset train, int height, int width, int classes)
    {
        var images = new List<GrayImage>();
        var labels = new List<int>();
        var seen = new int[Math.Max(classes, 1)];
        for (var i = 0; i < train.Count && labels.Count < 8 * classes; i++)
        {
            var label = train.Label(i);
            if (label >= seen.Length || seen[label] >= 8) continue;
            seen[label]++;
            images.Add(ImageOf(train.Image(i), height, width));
            labels.Add(label);
        }
        return new DatasetSample(images, labels, train.Name);
    }

    /// <summary>A picture of an input: itself when it has one channel, the mean of its channels otherwise.</summary>
    private static GrayImage ImageOf(float[] pixels, int height, int width)
    {
        var n = height * width;
        if (pixels.Length == n) return new GrayImage(pixels, height, width);
        var channels = pixels.Length / n;
        var mean = new float[n];
        for (var c = 0; c < channels; c++)
            for (var i = 0; i < n; i++) mean[i] += pixels[c * n + i] / channels;
        return new GrayImage(mean, height, width);
    }

    private sealed record Scored(Prediction Prediction, double Loss);

    private static (int Height, int Width) ImageSize(IReadOnlyList<int> shape) => shape.Count switch
    {
        3 => (shape[1], shape[2]),
        2 => (shape[0], shape[1]),
        _ => throw new ArgumentException($"Test images of shape ({string.Join(",", shape)}) are not images; the report needs (C,H,W)."),
    };

    /// <summary>
    /// Predicts every test image in one pass of the core's batched inference (no per-image tensors or API
    /// objects); the loss is the cross-entropy of the true class. Each image is converted once, straight into
    /// the array its chart tile shows.
    /// </summary>
    private static List<Scored> Predictions(Api.Model model, Api.Dataset test, int height, int width)
    {
        Interop.UseBridge.RequireClassifier(model.Core, "Predict");
        var data = test.Core;
        var probabilities = FuncCnn.Core.Inference.probabilities(model.Core, data);
        var classes = model.Core.OutputShape[0];
        var count = data.Labels.Length;
        var predicted = FuncCnn.Core.Metrics.argmaxRows(FuncCnn.Core.TensorModule.ofArray([count, classes], probabilities));
        var size = data.ImageShape.Aggregate(1, (a, b) => a * b);
        var scored = new List<Scored>(count);
        for (var i = 0; i < count; i++)
        {
            var label = data.Labels[i];
            var trueProbability = label < classes ? probabilities[i * classes + label] : 0f;
            var image = ImageOf(Pixels(data, i, size), height, width);
            var p = predicted[i];
            scored.Add(new Scored(new Prediction(image, label, p, probabilities[i * classes + p]), -Math.Log(Math.Max(trueProbability, 1e-12))));
        }
        return scored;
    }

    /// <summary>Image <paramref name="index"/> as the model sees it (bytes scaled to [0,1] as batches scale them).</summary>
    private static float[] Pixels(FuncCnn.Core.Data.Dataset data, int index, int size)
    {
        var pixels = new float[size];
        if (data.Pixels is FuncCnn.Core.Data.Pixels.Bytes bytes)
        {
            var src = bytes.Item.AsSpan(index * size, size);
            for (var j = 0; j < size; j++) pixels[j] = src[j] / 255f;
        }
        else if (data.Pixels is FuncCnn.Core.Data.Pixels.Floats floats)
            Array.Copy(floats.Item, index * size, pixels, 0, size);
        return pixels;
    }

    private static FilterBank? FirstConvFilters(Api.Model model)
    {
        var conv = model.Layers.FirstOrDefault(l => l.Type == "Conv2D");
        if (conv is null) return null;
        var f = model.Filters(conv.Name);
        var s = f.Shape;
        return new FilterBank(conv.Name, f.Weights.ToArray(), s[0], s[1], s[2], s[3]);
    }

    /// <summary>The feature maps of the convolution and pooling layers for one image.</summary>
    private static FeatureMapSet? FeatureMaps(Api.Model model, Api.Dataset test, int index, int height, int width, IReadOnlyList<string> classNames)
    {
        var pixels = test.Image(index);
        var layers = model.FeatureMaps(pixels)
            .Where(m => m.Shape.Count == 3 && m.Type is "Conv2D" or "MaxPooling2D" or "AveragePooling2D" or "Conv2DTranspose")
            .Select(m => new FeatureMapLayer(m.Layer, m.Values.ToArray(), m.Shape[0], m.Shape[1], m.Shape[2]))
            .ToList();
        if (layers.Count == 0) return null;
        var input = ImageOf(pixels, height, width);
        var label = test.Label(index);
        var name = label < classNames.Count ? classNames[label] : label.ToString(Inv);
        return new FeatureMapSet(input, layers, $"test image {index} ({name})");
    }

    private static ModelSummary Summary(Api.Model model)
    {
        var summary = model.Summary();
        var rows = summary.Rows.Select(r => new SummaryRow(r.Layer, r.Type, "(" + string.Join(", ", r.OutputShape) + ")", r.Parameters)).ToList();
        return new ModelSummary("model", "(" + string.Join(", ", model.InputShape) + ")", rows);
    }
}
