using FuncCnn.Reports;

namespace FuncCnn.Reports.Tests;

/// <summary>
/// Realistic, honest inputs for the charts: digits drawn with an anti-aliased pen on 28x28, real Sobel/blur
/// convolutions, seeded random filters, stated confusion counts and a plausible training history.
/// </summary>
internal static class SampleData
{
    public static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    // Pen strokes of each digit in a 0..1 box (x right, y down).
    private static readonly (double X, double Y)[][][] Strokes =
    [
        [Ellipse(0.5, 0.5, 0.26, 0.36)],
        [[(0.38, 0.25), (0.55, 0.14), (0.55, 0.86)], [(0.38, 0.86), (0.7, 0.86)]],
        [[(0.28, 0.3), (0.4, 0.16), (0.62, 0.15), (0.72, 0.3), (0.66, 0.48), (0.28, 0.86), (0.76, 0.86)]],
        [[(0.28, 0.18), (0.7, 0.18), (0.48, 0.44), (0.68, 0.54), (0.7, 0.74), (0.55, 0.86), (0.28, 0.82)]],
        [[(0.62, 0.86), (0.62, 0.14), (0.26, 0.64), (0.78, 0.64)]],
        [[(0.7, 0.15), (0.34, 0.15), (0.3, 0.46), (0.56, 0.42), (0.72, 0.58), (0.68, 0.8), (0.48, 0.87), (0.28, 0.8)]],
        [[(0.66, 0.16), (0.4, 0.36), (0.3, 0.62), (0.38, 0.84), (0.6, 0.86), (0.7, 0.68), (0.56, 0.52), (0.34, 0.6)]],
        [[(0.26, 0.16), (0.74, 0.16), (0.44, 0.86)], [(0.4, 0.5), (0.64, 0.5)]],
        [Ellipse(0.5, 0.32, 0.18, 0.17), Ellipse(0.5, 0.68, 0.22, 0.19)],
        [Ellipse(0.5, 0.34, 0.2, 0.19), [(0.7, 0.34), (0.66, 0.86)]],
    ];

    private static (double, double)[] Ellipse(double cx, double cy, double rx, double ry) =>
        Enumerable.Range(0, 25).Select(i => (cx + rx * Math.Cos(i * Math.PI / 12), cy + ry * Math.Sin(i * Math.PI / 12))).ToArray();

    /// <summary>A 28x28 digit, values 0..1 (ink is 1), slightly shifted and slanted by the variant.</summary>
    public static GrayImage Digit(int digit, int variant = 0)
    {
        var rng = new Random(digit * 1000 + variant);
        var dx = (rng.NextDouble() - 0.5) * 0.12;
        var dy = (rng.NextDouble() - 0.5) * 0.1;
        var slant = (rng.NextDouble() - 0.5) * 0.3;
        var pen = 1.3 + rng.NextDouble() * 0.6;
        var px = new float[28 * 28];
        foreach (var stroke in Strokes[digit])
        {
            var pts = stroke.Select(p => (X: 2 + (p.X + dx + slant * (0.5 - p.Y)) * 24, Y: 2 + (p.Y + dy) * 24)).ToArray();
            for (var s = 0; s + 1 < pts.Length; s++)
                for (var y = 0; y < 28; y++)
                    for (var x = 0; x < 28; x++)
                    {
                        var d = SegmentDistance(x + 0.5, y + 0.5, pts[s], pts[s + 1]);
                        var v = (float)Math.Clamp(pen + 0.5 - d, 0, 1);
                        if (v > px[y * 28 + x]) px[y * 28 + x] = v;
                    }
        }
        return new GrayImage(px, 28, 28);
    }

    private static double SegmentDistance(double x, double y, (double X, double Y) a, (double X, double Y) b)
    {
        double vx = b.X - a.X, vy = b.Y - a.Y;
        var t = Math.Clamp(((x - a.X) * vx + (y - a.Y) * vy) / Math.Max(1e-12, vx * vx + vy * vy), 0, 1);
        double ex = a.X + t * vx - x, ey = a.Y + t * vy - y;
        return Math.Sqrt(ex * ex + ey * ey);
    }

    public static readonly Kernel2D SobelX = new([-1, 0, 1, -2, 0, 2, -1, 0, 1], 3, 3);
    public static readonly Kernel2D Blur = new(Enumerable.Repeat(1f / 9, 9).ToArray(), 3, 3);
    public static readonly Kernel2D Sharpen = new([0, -1, 0, -1, 5, -1, 0, -1, 0], 3, 3);
    public static readonly Kernel2D Edges = new([-1, -1, -1, -1, 8, -1, -1, -1, -1], 3, 3);

    /// <summary>Valid cross-correlation (what CNN "convolution" layers compute).</summary>
    public static GrayImage Convolve(GrayImage img, Kernel2D k)
    {
        int oh = img.Height - k.Height + 1, ow = img.Width - k.Width + 1;
        var o = new float[oh * ow];
        for (var y = 0; y < oh; y++)
            for (var x = 0; x < ow; x++)
            {
                float s = 0;
                for (var i = 0; i < k.Height; i++)
                    for (var j = 0; j < k.Width; j++)
                        s += img.Pixels[(y + i) * img.Width + x + j] * k.Weights[i * k.Width + j];
                o[y * ow + x] = s;
            }
        return new GrayImage(o, oh, ow);
    }

    public static GrayImage Relu(GrayImage g) => new(g.Pixels.Select(v => Math.Max(0, v)).ToArray(), g.Height, g.Width);

    public static GrayImage MaxPool(GrayImage g)
    {
        int oh = g.Height / 2, ow = g.Width / 2;
        var o = new float[oh * ow];
        for (var y = 0; y < oh; y++)
            for (var x = 0; x < ow; x++)
                o[y * ow + x] = Math.Max(Math.Max(g.Pixels[2 * y * g.Width + 2 * x], g.Pixels[2 * y * g.Width + 2 * x + 1]),
                    Math.Max(g.Pixels[(2 * y + 1) * g.Width + 2 * x], g.Pixels[(2 * y + 1) * g.Width + 2 * x + 1]));
        return new GrayImage(o, oh, ow);
    }

    /// <summary>Filters drawn from N(0, 0.3) with a seeded generator.</summary>
    public static FilterBank RandomFilters(int outChannels, int inChannels, int k, int seed, string name = "conv1")
    {
        var rng = new Random(seed);
        var w = new float[outChannels * inChannels * k * k];
        for (var i = 0; i < w.Length; i++)
        {
            var u1 = 1 - rng.NextDouble(); var u2 = rng.NextDouble();
            w[i] = (float)(0.3 * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return new FilterBank(name, w, outChannels, inChannels, k, k);
    }

    /// <summary>
    /// A stated MNIST-like confusion matrix (10,000 test images, 9,862 right); the largest count is
    /// [1, 1] = 1,129 and the largest error is a 4 read as 9 (8 times).
    /// </summary>
    public static readonly int[][] ConfusionRows =
    [
        [ 975,    0,    1,    0,    0,    1,    1,    1,    1,    0],
        [   0, 1129,    2,    1,    0,    0,    1,    1,    1,    0],
        [   2,    1, 1016,    3,    1,    0,    0,    6,    3,    0],
        [   0,    0,    2,  999,    0,    4,    0,    2,    3,    0],
        [   0,    0,    1,    0,  967,    0,    2,    1,    3,    8],
        [   2,    0,    0,    6,    0,  878,    3,    1,    2,    0],
        [   4,    2,    0,    0,    2,    3,  945,    0,    2,    0],
        [   1,    3,    7,    1,    0,    0,    0, 1010,    2,    4],
        [   3,    0,    2,    2,    1,    2,    1,    2,  958,    3],
        [   2,    2,    0,    3,    5,    3,    0,    5,    4,  985],
    ];

    /// <summary>n predictions over drawn digits; every seventh is wrong, confidences plausible.</summary>
    public static Prediction[] Predictions(int n)
    {
        var images = new GrayImage[10 * 8];
        for (var d = 0; d < 10; d++) for (var v = 0; v < 8; v++) images[d * 8 + v] = Digit(d, v);
        var rng = new Random(7);
        var result = new Prediction[n];
        for (var i = 0; i < n; i++)
        {
            var label = (i * 7 + 3) % 10;
            var wrong = i % 7 == 5;
            var predicted = wrong ? (label + 1 + rng.Next(9)) % 10 : label;
            var confidence = wrong ? 0.45 + rng.NextDouble() * 0.4 : 0.9 + rng.NextDouble() * 0.0999;
            result[i] = new Prediction(images[label * 8 + i % 8], label, predicted, confidence);
        }
        return result;
    }

    public static EpochMetrics[] History(int epochs = 10)
    {
        var list = new EpochMetrics[epochs];
        for (var e = 1; e <= epochs; e++)
        {
            var trainLoss = 0.02 + 0.3 * Math.Exp(-(e - 1) / 1.6);
            var valLoss = 0.035 + 0.22 * Math.Exp(-(e - 1) / 1.4) + 0.002 * e;
            list[e - 1] = new EpochMetrics(e, trainLoss, 1 - trainLoss * 0.32, valLoss, 1 - valLoss * 0.36, 11.5 + (e % 3) * 0.4);
        }
        return list;
    }

    /// <summary>Feature maps of the seed CNN shape for one digit: conv1 (ReLU) 32x26x26, pool1 32x13x13, conv2 64x11x11.</summary>
    public static FeatureMapSet FeatureMaps(GrayImage input)
    {
        var f1 = RandomFilters(32, 1, 3, 11);
        var conv1 = Enumerable.Range(0, 32).Select(c => Relu(Convolve(input, f1.Kernel(c, 0)))).ToArray();
        var pool1 = conv1.Select(MaxPool).ToArray();
        var f2 = RandomFilters(64, 32, 3, 12, "conv2");
        var conv2 = new GrayImage[64];
        for (var o = 0; o < 64; o++)
        {
            var acc = new float[11 * 11];
            for (var i = 0; i < 32; i += 4)
            {
                var c = Convolve(pool1[i], f2.Kernel(o, i));
                for (var j = 0; j < acc.Length; j++) acc[j] += c.Pixels[j];
            }
            conv2[o] = Relu(new GrayImage(acc, 11, 11));
        }
        static FeatureMapLayer Layer(string name, GrayImage[] maps) =>
            new(name, maps.SelectMany(m => m.Pixels).ToArray(), maps.Length, maps[0].Height, maps[0].Width);
        return new FeatureMapSet(input, [Layer("conv1", conv1), Layer("pool1", pool1), Layer("conv2", conv2)], "test image #0 (a 7)");
    }

    public static ModelSummary SeedCnn() => new("seed CNN", "1×28×28",
    [
        new("conv1", "Conv2d 3×3, 32 filters, ReLU", "32×26×26", 320),
        new("pool1", "MaxPool 2×2", "32×13×13", 0),
        new("conv2", "Conv2d 3×3, 64 filters, ReLU", "64×11×11", 18_496),
        new("pool2", "MaxPool 2×2", "64×5×5", 0),
        new("flatten", "Flatten", "1600", 0),
        new("dense1", "Dense 128, ReLU", "128", 204_928),
        new("dense2", "Dense 10, softmax", "10", 1_290),
    ]);

    public static PipelineStages Pipeline()
    {
        var input = Digit(7, 1);
        var conv = Convolve(input, SobelX);
        var relu = Relu(conv);
        var pool = MaxPool(relu);
        return new PipelineStages(input, SobelX, conv, relu, pool, pool.Pixels.ToArray());
    }

    public static readonly string[] QuickDraw = ["airplane", "apple", "bicycle", "cat", "clock", "fish", "house", "moon", "smiley face", "tree"];
    public static readonly int[] QuickDrawCounts = [151_623, 144_722, 126_527, 123_202, 120_537, 134_150, 135_420, 121_661, 124_386, 144_721];

    public static string[] LongNames(int n)
    {
        string[] words = ["The Eiffel Tower", "aircraft carrier", "bicycle", "cat", "hockey stick", "see saw", "paint can", "ant", "snowman", "washing machine"];
        return Enumerable.Range(0, n).Select(i => i < words.Length ? words[i] : $"{words[i % words.Length]} {i / words.Length + 1}").ToArray();
    }

    /// <summary>A stated n-class confusion matrix: 900 + 7i right per class, errors to the two next classes.</summary>
    public static ConfusionCounts ManyClasses(int n)
    {
        var m = new int[n, n];
        for (var i = 0; i < n; i++) { m[i, i] = 900 + 7 * i; m[i, (i + 1) % n] = 40 + i; m[i, (i + 3) % n] = 11; }
        return new ConfusionCounts(m, LongNames(n));
    }

    public static ReportData Run(int predictions = 10_000)
    {
        var preds = Predictions(predictions);
        return new ReportData("MNIST · seed CNN · 10 epochs (synthetic test data)", Digits)
        {
            ClassCounts = Enumerable.Range(0, 10).Select(i => 5000 + 100 * i).ToArray(),
            History = History(),
            FirstConvFilters = RandomFilters(32, 1, 3, 5),
            Confusion = ConfusionCounts.FromRows(ConfusionRows, Digits),
            Predictions = preds,
            FeatureMaps = FeatureMaps(Digit(7, 0)),
            Summary = SeedCnn(),
            TestLoss = 0.0412,
            Headlines = [new Headline("Seed", "42")],
        };
    }

    /// <summary>All eleven charts from these inputs, by file name.</summary>
    public static IReadOnlyList<(string Name, OxyPlot.PlotModel Model)> AllCharts()
    {
        var digit = Digit(3, 2);
        var sobel = Convolve(digit, SobelX);
        var noise = Enumerable.Range(0, 8).Select(i =>
        {
            var rng = new Random(100 + i);
            return GrayImage.FromVector(Enumerable.Range(0, 16).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray());
        }).ToArray();
        var generated = Enumerable.Range(0, 8).Select(i => Digit(i + 1, 9)).ToArray();
        var preds = Predictions(400);
        return
        [
            ("01-training-curves", Charts.TrainingCurves(History())),
            ("02-filters", Charts.Filters(RandomFilters(32, 1, 3, 5))),
            ("02b-filters-per-filter", Charts.Filters(RandomFilters(16, 3, 5, 6, "conv2"), 2, FilterNormalization.PerFilter)),
            ("02c-filters-rgb", Charts.Filters(RandomFilters(16, 3, 3, 8, "conv1"))),
            ("12-convolution-step", Charts.ConvolutionStep(Pipeline().Input, Pipeline().Filter, 1, 2)),
            ("13-matrices", Charts.Matrices([new LabeledMatrix("Input", Pipeline().Input), new LabeledMatrix("After ReLU", Pipeline().Activated, true)])),
            ("14-activations", Charts.ActivationFunctions(ActivationFunction.Relu, ActivationFunction.Sigmoid, ActivationFunction.Tanh)),
            ("15-vector", Charts.VectorBars(Pipeline().Flattened)),
            ("16-preview", Charts.DatasetPreview(new DatasetSample(preds.Take(80).Select(p => p.Image).ToArray(), preds.Take(80).Select(p => p.TrueLabel).ToArray(), "digits"), Digits)),
            ("17-model-diagram", Charts.ModelDiagram(SeedCnn())),
            ("03-confusion", Charts.ConfusionMatrix(ConfusionCounts.FromRows(ConfusionRows, Digits))),
            ("03b-confusion-normalized", Charts.ConfusionMatrix(ConfusionCounts.FromRows(ConfusionRows, QuickDraw), normalizeRows: true)),
            ("04-predictions", Charts.PredictionGrid(preds, Digits)),
            ("05-misclassified", Charts.Misclassified(preds, Digits)),
            ("06-feature-maps", Charts.FeatureMaps(FeatureMaps(Digit(7, 0)))),
            ("07-kernel-sobel", Charts.KernelAtWork(digit, SobelX, sobel, MaxPool(sobel), "Sobel x")),
            ("07b-kernel-blur", Charts.KernelAtWork(digit, Blur, Convolve(digit, Blur), null, "blur")),
            ("08-pipeline", Charts.Pipeline(Pipeline())),
            ("09-histogram", Charts.ClassHistogram(QuickDraw, QuickDrawCounts, "QuickDraw: images per category")),
            ("10-noise", Charts.NoiseToImages(noise, generated)),
            ("11-summary", Charts.Summary(SeedCnn())),
            // Edge cases a layout must survive.
            ("e1-curves-one-epoch-no-validation", Charts.TrainingCurves([new EpochMetrics(1, 0.31, 0.91, null, null, 12.3)])),
            ("e2-curves-60-epochs", Charts.TrainingCurves(Enumerable.Range(1, 60).Select(e => new EpochMetrics(e, 2.3 / e, 1 - 0.9 / e, e % 2 == 0 ? 2.5 / e : null, e % 2 == 0 ? 1 - 1.0 / e : null, 1)).ToArray())),
            ("e3-confusion-30-long-names", Charts.ConfusionMatrix(ManyClasses(30))),
            ("e4-histogram-40-classes", Charts.ClassHistogram(LongNames(40), Enumerable.Range(0, 40).Select(i => 1000 + 37 * i * i % 900).ToArray())),
            ("e5-long-class-predictions", Charts.PredictionGrid(preds, LongNames(10), count: 12, columns: 6)),
            ("e6-long-class-misclassified", Charts.Misclassified(preds, LongNames(10), count: 8, columns: 4)),
        ];
    }
}
