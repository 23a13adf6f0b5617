using System.Globalization;

namespace FuncCnn.Reports;

/// <summary>The report's charts, each built from plain inputs into a <see cref="Figure"/>.</summary>
public static class Charts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Formats a fraction as a percentage ("98.72%").</summary>
    internal static string Percent(double fraction, int decimals = 2) =>
        (fraction * 100).ToString("F" + decimals.ToString(Inv), Inv) + "%";

    internal static string Count(long n) => n.ToString("#,0", Inv);

    private static string Num(double v, string format = "0.####") => Minus(v.ToString(format, Inv));

    /// <summary>Uses the typographic minus sign, which reads better than a hyphen.</summary>
    private static string Minus(string s) => s == "-0" ? "0" : s.Replace('-', '−');

    private static string Shape(params int[] dims) => string.Join("×", dims.Select(d => d.ToString(Inv)));

    /// <summary>The range an image is drawn with: 0..1 for images already in it, else the image's own min..max.</summary>
    private static (double Min, double Max) ImageRange(GrayImage image)
    {
        var (min, max) = image.Range();
        if (min >= 0 && max <= 1) return (0, 1);
        return (min, max);
    }

    private static Raster Gray(GrayImage image)
    {
        var (min, max) = ImageRange(image);
        return new Raster(image.Pixels, image.Height, image.Width, min, max, ColorMap.Gray);
    }

    private static int GridColumns(int n)
    {
        if (n <= 8) return Math.Max(1, n);
        foreach (var c in new[] { 8, 10, 6, 7, 5 }) if (n % c == 0) return c;
        return 8;
    }

    // 1 ------------------------------------------------------------------------------------------------

    /// <summary>Training curves: loss and accuracy per epoch, training against validation, in two panels.</summary>
    /// <param name="history">One entry per epoch, in order.</param>
    /// <param name="title">The figure title.</param>
    /// <returns>The figure.</returns>
    /// <exception cref="ArgumentException">When the history is empty.</exception>
    public static Figure TrainingCurves(IReadOnlyList<EpochMetrics> history, string title = "Training curves")
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new ArgumentException("Training curves need at least one epoch.", nameof(history));
        var x = history.Select(h => (double)h.Epoch).ToArray();
        var hasVal = history.Any(h => h.ValLoss.HasValue || h.ValAccuracy.HasValue);
        LineSeries Train(Func<EpochMetrics, double> f) =>
            new("Training", x, history.Select(f).ToArray(), Color.SeriesBlue) { Marker = MarkerShape.Circle };
        // Validation may be measured on some epochs only: the line joins the epochs that have it.
        LineSeries Val(Func<EpochMetrics, double?> f)
        {
            var measured = history.Where(h => f(h).HasValue).ToArray();
            return new("Validation", measured.Select(h => (double)h.Epoch).ToArray(), measured.Select(h => f(h)!.Value).ToArray(), Color.SeriesOrange)
            { Marker = MarkerShape.Square, Dashed = true };
        }
        List<LineSeries> loss = [Train(h => h.TrainLoss)];
        List<LineSeries> acc = [Train(h => h.TrainAccuracy * 100)];
        if (hasVal)
        {
            loss.Add(Val(h => h.ValLoss));
            acc.Add(Val(h => h.ValAccuracy * 100));
        }
        var epochAxis = new Axis("Epoch") { IntegerTicks = true };
        var last = history[^1];
        var parts = new List<string>
        {
            $"After {history.Count} epoch{(history.Count == 1 ? "" : "s")}: training loss {Num(last.TrainLoss, "0.0000")}, accuracy {Percent(last.TrainAccuracy)}",
        };
        if (last.ValLoss.HasValue || last.ValAccuracy.HasValue)
            parts.Add("validation" + (last.ValLoss is { } vl ? $" loss {Num(vl, "0.0000")}" : "") + (last.ValLoss.HasValue && last.ValAccuracy.HasValue ? "," : "")
                      + (last.ValAccuracy is { } va ? $" accuracy {Percent(va)}" : ""));
        parts.Add($"{Num(history.Sum(h => h.Seconds), "0.0")} s");
        return new Figure(title,
        [
            new FigureRow(
                new XyPlot("Loss", epochAxis, new Axis("Cross-entropy loss"), loss),
                new XyPlot("Accuracy", epochAxis, new Axis("Accuracy (%)"), acc)),
        ])
        { Subtitle = string.Join(" · ", parts) };
    }

    // 2 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// A grid of a convolution layer's kernels for one input channel (4x8 for 32 filters), scaled to grey levels
    /// together (the smallest weight of all is black, the largest white) or each on its own.
    /// </summary>
    /// <param name="filters">The layer's weights.</param>
    /// <param name="inputChannel">Which input channel's kernels to show.</param>
    /// <param name="normalization">Scale together or per filter.</param>
    /// <param name="columns">Kernels per row, or null to choose (8 for 32 filters).</param>
    /// <param name="title">The figure title, or null for one naming the layer and shape.</param>
    /// <returns>The figure.</returns>
    public static Figure Filters(FilterBank filters, int inputChannel = 0, FilterNormalization normalization = FilterNormalization.Together,
        int? columns = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (inputChannel < 0 || inputChannel >= filters.InChannels)
            throw new ArgumentOutOfRangeException(nameof(inputChannel), inputChannel, $"{filters.LayerName} has {filters.InChannels} input channel(s).");
        var kernels = Enumerable.Range(0, filters.OutChannels).Select(f => filters.Kernel(f, inputChannel)).ToArray();
        var all = kernels.SelectMany(k => k.Weights).Where(float.IsFinite).DefaultIfEmpty(0f).ToArray();
        double gmin = all.Min(), gmax = all.Max();
        var images = kernels.Select((k, i) =>
        {
            double min = gmin, max = gmax;
            if (normalization == FilterNormalization.PerFilter)
            {
                var w = k.Weights.Where(float.IsFinite).DefaultIfEmpty(0f).ToArray();
                (min, max) = (w.Min(), w.Max());
            }
            return new GridImage(new Raster(k.Weights, k.Height, k.Width, min, max, ColorMap.Gray), i.ToString(Inv)) { CaptionColor = Color.MutedText };
        }).ToArray();
        var t = title ?? $"{filters.LayerName}: {filters.OutChannels} filters of {Shape(filters.KernelHeight, filters.KernelWidth)}"
            + (filters.InChannels > 1 ? $", input channel {inputChannel} of {filters.InChannels}" : "");
        var grid = new ImageGridPlot("", images, columns ?? GridColumns(images.Length))
        {
            CellSize = Math.Clamp(filters.KernelWidth * 12, 44, 64),
            CaptionFontSize = 10,
            ColorBar = normalization == FilterNormalization.Together ? new ColorBar(gmin, gmax, ColorMap.Gray, "weight") : null,
        };
        return Figure.Single(t, grid) with
        {
            Subtitle = normalization == FilterNormalization.Together
                ? $"Scaled together: the smallest weight ({Num(gmin, "0.000")}) is black, the largest ({Num(gmax, "0.000")}) white"
                : "Each filter scaled to its own range: its smallest weight is black, its largest white",
        };
    }

    // 3 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// A confusion matrix: the count in every cell, class names on both axes (true down, predicted across),
    /// darker for more; optionally coloured by the share of each true class, with the accuracy in the title.
    /// </summary>
    /// <param name="confusion">The counts.</param>
    /// <param name="normalizeRows">Colour each cell by its share of the row (and write the share under the count).</param>
    /// <param name="title">The title's start; the accuracy is appended.</param>
    /// <returns>The figure.</returns>
    public static Figure ConfusionMatrix(ConfusionCounts confusion, bool normalizeRows = false, string title = "Confusion matrix")
    {
        ArgumentNullException.ThrowIfNull(confusion);
        var n = confusion.ClassNames.Count;
        var values = new double[n, n];
        var text = new string[n, n];
        for (var t = 0; t < n; t++)
        {
            long rowSum = 0;
            for (var p = 0; p < n; p++) rowSum += confusion.Counts[t, p];
            for (var p = 0; p < n; p++)
            {
                var c = confusion.Counts[t, p];
                var share = rowSum == 0 ? 0 : (double)c / rowSum;
                values[t, p] = normalizeRows ? share * 100 : c;
                text[t, p] = normalizeRows && c > 0 ? $"{Count(c)}\n{Percent(share, 1)}" : Count(c);
            }
        }
        double max = 0;
        foreach (var v in values) max = Math.Max(max, v);
        // Up to 40 classes the cells stay large enough to hold their counts; beyond that only colour is left.
        var cell = n <= 10 ? (normalizeRows ? 54 : 48) : n <= 40 ? Math.Clamp(1000.0 / n, normalizeRows ? 36 : 32, 44) : Math.Max(6, 1000.0 / n);
        var heat = new HeatMapPlot("", values)
        {
            RowLabels = confusion.ClassNames,
            ColumnLabels = confusion.ClassNames,
            RowAxisTitle = "True class",
            ColumnAxisTitle = "Predicted class",
            ColorMap = ColorMap.Blues,
            Minimum = 0,
            Maximum = normalizeRows ? 100 : Math.Max(1, max),
            CellText = text,
            CellSize = cell,
            CellFontSize = 12,
            ColorBar = new ColorBar(0, normalizeRows ? 100 : Math.Max(1, max), ColorMap.Blues, normalizeRows ? "share of true class (%)" : "count"),
        };
        return Figure.Single($"{title} — accuracy {Percent(confusion.Accuracy)}", heat) with
        {
            Subtitle = $"{Count(confusion.Correct)} of {Count(confusion.Total)} right · rows: true class, columns: predicted class"
                + (normalizeRows ? " · colour: share of the true class" : ""),
        };
    }

    // 4 ------------------------------------------------------------------------------------------------

    /// <summary>Test images captioned "true / predicted (confidence)", green when right and red when wrong.</summary>
    /// <param name="predictions">The predictions; the first <paramref name="count"/> are shown.</param>
    /// <param name="classNames">Class names, indexed by label.</param>
    /// <param name="count">How many to show.</param>
    /// <param name="columns">Images per row.</param>
    /// <param name="title">The figure title.</param>
    /// <returns>The figure.</returns>
    public static Figure PredictionGrid(IReadOnlyList<Prediction> predictions, IReadOnlyList<string> classNames, int count = 32, int columns = 8,
        string title = "Predictions on test images")
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(classNames);
        var shown = predictions.Take(Math.Max(0, count)).ToArray();
        var images = shown.Select(p => new GridImage(Gray(p.Image), PredictionCaption(classNames, p))
        {
            CaptionColor = p.IsCorrect ? Color.Right : Color.Wrong,
            CaptionBold = true,
        }).ToArray();
        var right = shown.Count(p => p.IsCorrect);
        return Figure.Single(title, new ImageGridPlot("", images, Math.Min(columns, Math.Max(1, images.Length))) { CellSize = 56 }) with
        {
            Subtitle = $"Caption: true / predicted (confidence) · green: right ({right}), red: wrong ({shown.Length - right})",
        };
    }

    /// <summary>"true / predicted (confidence)" on one line, or broken after the slash when long class names would make the grid too wide.</summary>
    private static string PredictionCaption(IReadOnlyList<string> names, Prediction p)
    {
        var (t, q, c) = (Name(names, p.TrueLabel), Name(names, p.PredictedLabel), Percent(p.Confidence, 1));
        var line = $"{t} / {q} ({c})";
        return TextMeasure.Width(line, 11, true) <= 130 ? line : $"{t} /\n{q} ({c})";
    }

    private static string Name(IReadOnlyList<string> names, int label) =>
        label >= 0 && label < names.Count ? names[label] : label.ToString(Inv);

    // 5 ------------------------------------------------------------------------------------------------

    /// <summary>The first wrong predictions, each captioned "Predicted: p, True: t".</summary>
    /// <param name="predictions">All predictions, in order; the wrong ones are picked out.</param>
    /// <param name="classNames">Class names, indexed by label.</param>
    /// <param name="count">How many errors to show.</param>
    /// <param name="columns">Images per row.</param>
    /// <param name="title">The figure title.</param>
    /// <returns>The figure.</returns>
    public static Figure Misclassified(IReadOnlyList<Prediction> predictions, IReadOnlyList<string> classNames, int count = 24, int columns = 6,
        string title = "Misclassified test images")
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(classNames);
        var wrongTotal = predictions.Count(p => !p.IsCorrect);
        var wrong = predictions.Where(p => !p.IsCorrect).Take(Math.Max(0, count)).ToArray();
        var longNames = classNames.Any(c => c.Length > 4);
        var images = wrong.Select(p =>
        {
            var pred = Name(classNames, p.PredictedLabel);
            var truth = Name(classNames, p.TrueLabel);
            var caption = longNames ? $"Predicted: {pred},\nTrue: {truth}" : $"Predicted: {pred}, True: {truth}";
            return new GridImage(Gray(p.Image), caption) { CaptionColor = Color.Wrong };
        }).ToArray();
        var subtitle = wrongTotal == 0
            ? $"No wrong predictions among {Count(predictions.Count)} images"
            : $"The first {wrong.Length} of {Count(wrongTotal)} wrong predictions ({Percent((double)wrongTotal / predictions.Count)} of {Count(predictions.Count)} images)";
        return Figure.Single(title, new ImageGridPlot("", images, Math.Min(columns, Math.Max(1, images.Length))) { CellSize = 56 }) with { Subtitle = subtitle };
    }

    // 6 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Feature maps for one input: every channel of each layer given, one grid per layer with the layer's
    /// output shape in its title; each map scaled to its own range.
    /// </summary>
    /// <param name="maps">The input and the layers' outputs.</param>
    /// <param name="title">The figure title.</param>
    /// <returns>The figure.</returns>
    public static Figure FeatureMaps(FeatureMapSet maps, string title = "Feature maps")
    {
        ArgumentNullException.ThrowIfNull(maps);
        var rows = new List<FigureRow>
        {
            new(new ImageGridPlot($"Input {Shape(1, maps.Input.Height, maps.Input.Width)}", [new GridImage(Gray(maps.Input), maps.Caption)], 1) { CellSize = 84 }),
        };
        foreach (var layer in maps.Layers)
        {
            var images = Enumerable.Range(0, layer.Channels).Select(c =>
            {
                var m = layer.Channel(c);
                var (min, max) = m.Range();
                return new GridImage(new Raster(m.Pixels, m.Height, m.Width, min, max, ColorMap.Viridis));
            }).ToArray();
            var cols = layer.Channels <= 8 ? layer.Channels : layer.Channels > 64 ? 16 : 8;
            var cell = Math.Clamp(Math.Max(layer.Height, layer.Width) * 2.0, 36, 64);
            rows.Add(new FigureRow(new ImageGridPlot($"{layer.Name} — output {Shape(layer.Channels, layer.Height, layer.Width)}", images, cols) { CellSize = cell }));
        }
        return new Figure(title, rows) { Subtitle = "Every channel, each scaled to its own range (viridis: dark purple is low, yellow high)" };
    }

    // 7 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// A kernel at work: the original image, the kernel with its values written in the cells, the filtered image
    /// and optionally the max-pooled image.
    /// </summary>
    /// <param name="original">The input image.</param>
    /// <param name="kernel">The kernel.</param>
    /// <param name="filtered">The input convolved with the kernel.</param>
    /// <param name="pooled">The filtered image after max-pooling, or null.</param>
    /// <param name="kernelName">The kernel's name (Sobel x, blur, sharpen).</param>
    /// <returns>The figure.</returns>
    public static Figure KernelAtWork(GrayImage original, Kernel2D kernel, GrayImage filtered, GrayImage? pooled = null, string kernelName = "kernel")
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(filtered);
        const double size = 168;
        var panels = new List<Panel>
        {
            ImagePanel($"Original {Shape(original.Height, original.Width)}", Gray(original), RangeCaption(original), size),
            KernelPanel($"Kernel: {kernelName} {Shape(kernel.Height, kernel.Width)}", kernel),
            ImagePanel($"Filtered {Shape(filtered.Height, filtered.Width)}", MinMaxGray(filtered), RangeCaption(filtered), size * filtered.Width / original.Width),
        };
        if (pooled is not null)
            panels.Add(ImagePanel($"Max-pooled {Shape(pooled.Height, pooled.Width)}", MinMaxGray(pooled), RangeCaption(pooled), size * pooled.Width / original.Width));
        return new Figure($"Kernel at work: {kernelName}", [new FigureRow(panels.ToArray()) { Arrows = true }])
        {
            Subtitle = "Each output pixel is the sum of the input patch under the kernel times the kernel's weights · grey: smallest black, largest white",
        };
    }

    private static Raster MinMaxGray(GrayImage image)
    {
        var (min, max) = image.Range();
        return new Raster(image.Pixels, image.Height, image.Width, min, max, ColorMap.Gray);
    }

    private static string RangeCaption(GrayImage image)
    {
        var (min, max) = image.Range();
        return $"values {Num(min, "0.##")} … {Num(max, "0.##")}";
    }

    private static ImageGridPlot ImagePanel(string title, Raster raster, string? caption, double size, ColorBar? bar = null, bool framed = false) =>
        new(title, [new GridImage(raster, caption) { CaptionColor = Color.MutedText, Framed = framed }], 1) { CellSize = Math.Max(48, size), ColorBar = bar };

    private static HeatMapPlot KernelPanel(string title, Kernel2D kernel)
    {
        var values = new double[kernel.Height, kernel.Width];
        var text = new string[kernel.Height, kernel.Width];
        var integral = kernel.Weights.All(w => w == MathF.Round(w));
        double a = 0;
        foreach (var w in kernel.Weights) a = Math.Max(a, Math.Abs(w));
        for (var r = 0; r < kernel.Height; r++)
            for (var c = 0; c < kernel.Width; c++)
            {
                var w = kernel.Weights[r * kernel.Width + c];
                values[r, c] = w;
                text[r, c] = integral ? Num(w, "0") : Num(w, "0.00");
            }
        var cell = Math.Clamp(150.0 / Math.Max(kernel.Height, kernel.Width), 26, 48);
        return new HeatMapPlot(title, values)
        {
            ColorMap = ColorMap.Diverging,
            Minimum = -Math.Max(a, 1e-12),
            Maximum = Math.Max(a, 1e-12),
            CellText = text,
            CellSize = cell,
            CellFontSize = 13,
        };
    }

    // 8 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// The from-scratch pipeline for one input: input → filter → convolution → ReLU → max-pool → flattened values.
    /// Convolution, ReLU, pooling and the flattened vector share one blue–white–red scale centred on zero, so
    /// ReLU's zeroing of negatives shows as blue turning white.
    /// </summary>
    /// <param name="stages">The stages' values.</param>
    /// <param name="title">The figure title.</param>
    /// <returns>The figure.</returns>
    public static Figure Pipeline(PipelineStages stages, string title = "A convolution layer from scratch")
    {
        ArgumentNullException.ThrowIfNull(stages);
        double a = 0;
        foreach (var img in new[] { stages.Convolved, stages.Activated, stages.Pooled })
        {
            var (min, max) = img.Range();
            a = Math.Max(a, Math.Max(Math.Abs(min), Math.Abs(max)));
        }
        foreach (var v in stages.Flattened) if (float.IsFinite(v)) a = Math.Max(a, Math.Abs(v));
        a = Math.Max(a, 1e-12);
        Raster Div(GrayImage g) => new(g.Pixels, g.Height, g.Width, -a, a, ColorMap.Diverging);
        const double size = 130;
        var unit = size / stages.Input.Width;
        var row1 = new FigureRow(
            ImagePanel($"Input {Shape(stages.Input.Height, stages.Input.Width)}", Gray(stages.Input), null, size),
            KernelPanel($"Filter {Shape(stages.Filter.Height, stages.Filter.Width)}", stages.Filter),
            ImagePanel($"Convolution {Shape(stages.Convolved.Height, stages.Convolved.Width)}", Div(stages.Convolved), RangeCaption(stages.Convolved), unit * stages.Convolved.Width, framed: true),
            ImagePanel($"ReLU {Shape(stages.Activated.Height, stages.Activated.Width)}", Div(stages.Activated), RangeCaption(stages.Activated), unit * stages.Activated.Width, framed: true),
            ImagePanel($"Max-pool {Shape(stages.Pooled.Height, stages.Pooled.Width)}", Div(stages.Pooled), RangeCaption(stages.Pooled), unit * stages.Pooled.Width,
                new ColorBar(-a, a, ColorMap.Diverging, "value"), framed: true))
        { Arrows = true };
        var n = stages.Flattened.Length;
        var first = string.Join(", ", stages.Flattened.Take(8).Select(v => Num(v, "0.00")));
        var strip = new GridImage(new Raster(stages.Flattened, 1, Math.Max(1, n), -a, a, ColorMap.Diverging), $"[{first}{(n > 8 ? ", …" : "")}]")
        {
            DisplayWidth = Math.Clamp(n * 4.0, 240, 820),
            DisplayHeight = 26,
            CaptionColor = Color.MutedText,
            Framed = true,
        };
        var row2 = new FigureRow(new ImageGridPlot($"Flatten: {Count(n)} values", [strip], 1) { CaptionFontSize = 12 });
        return new Figure(title, [row1, row2])
        {
            Subtitle = "Blue is negative, white zero, red positive (one scale for convolution, ReLU, max-pool and flatten)",
        };
    }

    // 9 ------------------------------------------------------------------------------------------------

    /// <summary>A histogram of a dataset's classes: one bar per class with its count.</summary>
    /// <param name="classNames">The class names.</param>
    /// <param name="counts">The number of examples of each class.</param>
    /// <param name="title">The figure title.</param>
    /// <returns>The figure.</returns>
    public static Figure ClassHistogram(IReadOnlyList<string> classNames, IReadOnlyList<int> counts, string title = "Images per class")
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(counts);
        if (classNames.Count != counts.Count) throw new ArgumentException($"{classNames.Count} class names but {counts.Count} counts.", nameof(counts));
        if (counts.Count == 0) throw new ArgumentException("A histogram needs at least one class.", nameof(counts));
        var total = counts.Sum(c => (long)c);
        var lo = Enumerable.Range(0, counts.Count).MinBy(i => counts[i]);
        var hi = Enumerable.Range(0, counts.Count).MaxBy(i => counts[i]);
        var bars = new BarPlot("", classNames, counts.Select(c => (double)c).ToArray(), Color.SeriesBlue) { ValueAxisTitle = "images" };
        return Figure.Single(title, bars) with
        {
            Subtitle = $"{Count(total)} images in {counts.Count} classes · fewest: {classNames[lo]} ({Count(counts[lo])}), most: {classNames[hi]} ({Count(counts[hi])})",
        };
    }

    // 10 -----------------------------------------------------------------------------------------------

    /// <summary>Noise and what a decoder makes of it: noise on top, each generated image under its noise.</summary>
    /// <param name="noise">The noise inputs (a vector can be laid out with <see cref="GrayImage.FromVector"/>).</param>
    /// <param name="generated">The decoder's outputs, one per noise input.</param>
    /// <param name="title">The figure title.</param>
    /// <returns>The figure.</returns>
    public static Figure NoiseToImages(IReadOnlyList<GrayImage> noise, IReadOnlyList<GrayImage> generated, string title = "Noise → generated images")
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(generated);
        if (noise.Count != generated.Count) throw new ArgumentException($"{noise.Count} noise inputs but {generated.Count} generated images.", nameof(generated));
        double a = 1e-12;
        foreach (var g in noise) { var (min, max) = g.Range(); a = Math.Max(a, Math.Max(Math.Abs(min), Math.Abs(max))); }
        var cols = Math.Min(10, Math.Max(1, noise.Count));
        var top = noise.Select((g, i) => new GridImage(new Raster(g.Pixels, g.Height, g.Width, -a, a, ColorMap.Diverging), $"#{i + 1}") { CaptionColor = Color.MutedText, Framed = true }).ToArray();
        var bottom = generated.Select((g, i) => new GridImage(Gray(g), $"#{i + 1}") { CaptionColor = Color.MutedText }).ToArray();
        return new Figure(title,
        [
            new FigureRow(new ImageGridPlot("Noise (decoder input)", top, cols) { CellSize = 56 }),
            new FigureRow(new ImageGridPlot("Generated (decoder output)", bottom, cols) { CellSize = 56 }),
        ])
        {
            Subtitle = "Noise: blue negative, white zero, red positive · each image is under the noise it was made from",
        };
    }

    // 11 -----------------------------------------------------------------------------------------------

    /// <summary>A model summary as a table: layer, type, output shape and parameters, with the total.</summary>
    /// <param name="summary">The model's layers.</param>
    /// <returns>The figure.</returns>
    public static Figure Summary(ModelSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var rows = new List<IReadOnlyList<string>> { new[] { "input", "Input", summary.InputShape, "" } };
        rows.AddRange(summary.Rows.Select(r => (IReadOnlyList<string>)[r.Name, r.Kind, r.OutputShape, Count(r.Parameters)]));
        var table = new TablePlot("", ["Layer", "Type", "Output shape", "Parameters"], rows)
        {
            Alignments = [ColumnAlignment.Left, ColumnAlignment.Left, ColumnAlignment.Left, ColumnAlignment.Right],
            Footer = [new[] { "Total", "", "", Count(summary.TotalParameters) }],
        };
        return Figure.Single($"Model summary: {summary.ModelName}", table) with
        {
            Subtitle = $"{summary.Rows.Count} layers · {Count(summary.TotalParameters)} trainable parameters · input {summary.InputShape}",
        };
    }
}
