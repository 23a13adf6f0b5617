using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using static FuncCnn.Reports.Style;

namespace FuncCnn.Reports;

/// <summary>
/// The report's charts. Each is a function from plain inputs to an OxyPlot <see cref="PlotModel"/>: show it in
/// an OxyPlot view (WPF, Avalonia, WinForms, MAUI) or write it with <see cref="ChartExport"/> (SVG, PNG, PDF).
/// </summary>
public static partial class Charts
{
    // 1 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Training curves: loss (top) and accuracy (bottom) per epoch on one epoch axis, training (solid, circles)
    /// against validation (dashed, squares); the subtitle gives the last epoch's figures.
    /// </summary>
    /// <param name="history">One entry per epoch, in order.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart: two line series per panel, a legend, axes keyed "epoch", "loss" and "accuracy".</returns>
    /// <exception cref="InvalidValueException">When the history is empty.</exception>
    public static PlotModel TrainingCurves(IReadOnlyList<EpochMetrics> history, string title = "Training curves")
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0) throw new InvalidValueException("Training curves need at least one epoch; the history is empty.");
        var last = history[^1];
        var parts = new List<string>
        {
            $"After {history.Count} epoch{(history.Count == 1 ? "" : "s")}: training loss {Num(last.TrainLoss, "0.0000")}, accuracy {Percent(last.TrainAccuracy)}",
        };
        if (last.ValLoss.HasValue || last.ValAccuracy.HasValue)
            parts.Add("validation" + (last.ValLoss is { } vl ? $" loss {Num(vl, "0.0000")}" : "") + (last.ValLoss.HasValue && last.ValAccuracy.HasValue ? "," : "")
                      + (last.ValAccuracy is { } va ? $" accuracy {Percent(va)}" : ""));
        parts.Add($"{Num(history.Sum(h => h.Seconds), "0.0")} s");
        var model = NewModel(title, string.Join(" · ", parts));
        model.Legends.Add(new Legend
        {
            LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.TopCenter,
            LegendOrientation = LegendOrientation.Horizontal, LegendBorderThickness = 0, LegendFontSize = 12,
        });
        model.Axes.Add(new LinearAxis
        {
            Key = "epoch", Position = AxisPosition.Bottom, Title = "Epoch", MajorStep = Math.Max(1, Math.Ceiling(history.Count / 10.0)),
            MinorStep = 1, Minimum = 0.8, Maximum = history.Count + 0.2, MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = ChartColors.Grid,
            StringFormat = "0",
        });
        model.Axes.Add(ValueAxis("loss", "Cross-entropy loss", 0.54, 1));
        model.Axes.Add(ValueAxis("accuracy", "Accuracy (%)", 0, 0.46));
        var hasVal = history.Any(h => h.ValLoss.HasValue || h.ValAccuracy.HasValue);
        model.Series.Add(Line("Training", "loss", ChartColors.SeriesBlue, false, history.Select(h => new DataPoint(h.Epoch, h.TrainLoss)), true));
        model.Series.Add(Line("Training", "accuracy", ChartColors.SeriesBlue, false, history.Select(h => new DataPoint(h.Epoch, h.TrainAccuracy * 100)), false));
        if (hasVal)
        {
            // Validation may be measured on some epochs only: the line joins the epochs that have it.
            model.Series.Add(Line("Validation", "loss", ChartColors.SeriesOrange, true,
                history.Where(h => h.ValLoss.HasValue).Select(h => new DataPoint(h.Epoch, h.ValLoss!.Value)), true));
            model.Series.Add(Line("Validation", "accuracy", ChartColors.SeriesOrange, true,
                history.Where(h => h.ValAccuracy.HasValue).Select(h => new DataPoint(h.Epoch, h.ValAccuracy!.Value * 100)), false));
        }
        return model.With(760, 620);
    }

    private static LinearAxis ValueAxis(string key, string title, double start, double end) => new()
    {
        Key = key, Position = AxisPosition.Left, Title = title, StartPosition = start, EndPosition = end,
        MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = ChartColors.Grid, MinimumPadding = 0.08, MaximumPadding = 0.08,
        AxisTitleDistance = 8,
    };

    private static LineSeries Line(string title, string yKey, OxyColor color, bool dashed, IEnumerable<DataPoint> points, bool inLegend)
    {
        var s = new LineSeries
        {
            Title = title, XAxisKey = "epoch", YAxisKey = yKey, Color = color, StrokeThickness = 2,
            LineStyle = dashed ? LineStyle.Dash : LineStyle.Solid, MarkerType = dashed ? MarkerType.Square : MarkerType.Circle,
            MarkerSize = 4, MarkerFill = color, RenderInLegend = inLegend,
        };
        s.Points.AddRange(points);
        if (s.Points.Count > 40) s.MarkerType = MarkerType.None;
        return s;
    }

    // 2 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// A convolution layer's kernels as a grid (4x8 for 32 filters). A layer that reads three channels (an RGB
    /// first layer) is shown in colour, each filter's red, green and blue kernels as one picture, unless an
    /// input channel is asked for; otherwise one input channel's kernels in grey, scaled together (with a
    /// colour bar of the weights) or each on its own.
    /// </summary>
    /// <param name="filters">The layer's weights.</param>
    /// <param name="inputChannel">Which input channel's kernels to show, or null for all three in colour when the layer reads three channels (channel 0 otherwise).</param>
    /// <param name="normalization">Scale together or per filter.</param>
    /// <param name="columns">Kernels per row, or null to choose (8 for 32 filters).</param>
    /// <param name="title">The chart title, or null for one naming the layer and shape.</param>
    /// <returns>The chart: one image annotation per filter, captioned with its index.</returns>
    public static PlotModel Filters(FilterBank filters, int? inputChannel = null, FilterNormalization normalization = FilterNormalization.Together,
        int? columns = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(filters);
        Panels.CheckFinite(filters.Weights, $"The weights of {filters.LayerName}");
        var colour = inputChannel is null && filters.InChannels == 3;
        var channel = inputChannel ?? 0;
        if (channel < 0 || channel >= filters.InChannels)
            throw new ArgumentOutOfRangeException(nameof(inputChannel), channel, $"{filters.LayerName} has {filters.InChannels} input channel(s).");
        double gmin = filters.Weights.Min(), gmax = filters.Weights.Max();
        var cell = Math.Clamp(filters.KernelWidth * 14.0, 44, 64);
        var tiles = Enumerable.Range(0, filters.OutChannels).Select(f =>
        {
            OxyImage image;
            if (colour)
            {
                var planes = Enumerable.Range(0, 3).Select(ch => filters.Kernel(f, ch).Weights).ToArray();
                var (min, max) = normalization == FilterNormalization.PerFilter
                    ? (planes.SelectMany(p => p).Min(), planes.SelectMany(p => p).Max()) : ((float)gmin, (float)gmax);
                image = ColorMaps.Rgb(planes[0], planes[1], planes[2], filters.KernelHeight, filters.KernelWidth, min, max);
            }
            else
            {
                var k = filters.Kernel(f, channel);
                var (min, max) = normalization == FilterNormalization.PerFilter ? (k.Weights.Min(), k.Weights.Max()) : ((float)gmin, (float)gmax);
                image = ColorMaps.Image(k.Weights, k.Height, k.Width, min, max, ColorMap.Gray);
            }
            return new Tile(image, filters.KernelHeight, filters.KernelWidth, f.ToString(Inv), ChartColors.MutedText);
        }).ToArray();
        var t = title ?? $"{filters.LayerName}: {filters.OutChannels} filters of {Shape(filters.KernelHeight, filters.KernelWidth)}"
            + (colour ? " × 3 colour channels" : filters.InChannels > 1 ? $", input channel {channel} of {filters.InChannels}" : "");
        var subtitle = (colour, normalization) switch
        {
            (true, FilterNormalization.Together) => $"Red, green and blue kernels as one colour picture, scaled together: {Num(gmin, "0.000")} is 0, {Num(gmax, "0.000")} full intensity",
            (true, _) => "Red, green and blue kernels as one colour picture, each filter scaled to its own range",
            (false, FilterNormalization.Together) => $"Scaled together: the smallest weight ({Num(gmin, "0.000")}) is black, the largest ({Num(gmax, "0.000")}) white",
            _ => "Each filter scaled to its own range: its smallest weight is black, its largest white",
        };
        var c = new Canvas(t, subtitle);
        var cols = columns ?? Panels.GridColumns(tiles.Length);
        var bottom = Panels.Grid(c, 12, 8, tiles, cols, cell, 10);
        if (!colour && normalization == FilterNormalization.Together)
        {
            var right = 12 + cols * (cell + 8) + 10;
            Panels.ColorBar(c, right, 8, Math.Max(80, bottom - 8), gmin, gmax, ColorMap.Gray, "weight");
        }
        return c.Finish();
    }

    // 3 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// A confusion matrix: class names on both axes (true down, predicted across), colour by count (or by the
    /// share of each true class), the count written in every cell, a colour bar, the accuracy in the title.
    /// </summary>
    /// <param name="confusion">The counts.</param>
    /// <param name="normalizeRows">Colour each cell by its share of the row (and write the share under the count).</param>
    /// <param name="title">The title's start; the accuracy is appended.</param>
    /// <returns>The chart: a <see cref="HeatMapSeries"/> (Data[predicted, true]), category axes, a colour axis and one text annotation per cell.</returns>
    public static PlotModel ConfusionMatrix(ConfusionCounts confusion, bool normalizeRows = false, string title = "Confusion matrix")
    {
        ArgumentNullException.ThrowIfNull(confusion);
        var n = confusion.ClassNames.Count;
        var model = NewModel($"{title} — accuracy {Percent(confusion.Accuracy)}",
            $"{Count(confusion.Correct)} of {Count(confusion.Total)} right · rows: true class, columns: predicted class"
            + (normalizeRows ? " · colour: share of the true class" : ""));
        // HeatMapSeries data is [x, y]: x = predicted column, y = true row (drawn top to bottom).
        var data = new double[n, n];
        var text = new string[n, n];
        double max = 0;
        for (var t = 0; t < n; t++)
        {
            long rowSum = 0;
            for (var p = 0; p < n; p++) rowSum += confusion.Counts[t, p];
            for (var p = 0; p < n; p++)
            {
                var count = confusion.Counts[t, p];
                var share = rowSum == 0 ? 0 : (double)count / rowSum;
                data[p, t] = normalizeRows ? share * 100 : count;
                text[p, t] = normalizeRows && count > 0 ? $"{Count(count)}\n{Percent(share, 1)}" : Count(count);
                max = Math.Max(max, data[p, t]);
            }
        }
        var top = normalizeRows ? 100 : Math.Max(1, max);
        model.Axes.Add(new LinearColorAxis
        {
            Position = AxisPosition.Right, Palette = ColorMaps.Palette(ColorMap.Blues), Minimum = 0, Maximum = top,
            Title = normalizeRows ? "share of true class (%)" : "count", StringFormat = "#,0", Key = "color",
        });
        var angle = n > 10 || confusion.ClassNames.Any(s => s.Length > 5) ? -45 : 0;
        model.Axes.Add(new CategoryAxis
        {
            Position = AxisPosition.Bottom, Title = "Predicted class", ItemsSource = confusion.ClassNames, Angle = angle,
            Key = "predicted", GapWidth = 0, IsTickCentered = false, MajorTickSize = 0,
        });
        model.Axes.Add(new CategoryAxis
        {
            Position = AxisPosition.Left, Title = "True class", ItemsSource = confusion.ClassNames, StartPosition = 1, EndPosition = 0,
            Key = "true", GapWidth = 0, MajorTickSize = 0, AxisTitleDistance = 10,
        });
        model.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = n - 1, Y0 = 0, Y1 = n - 1, Data = data, Interpolate = false, RenderMethod = HeatMapRenderMethod.Bitmap,
            XAxisKey = "predicted", YAxisKey = "true", ColorAxisKey = "color", CoordinateDefinition = HeatMapCoordinateDefinition.Center,
        });
        // Up to 40 classes the cells are large enough to hold their counts; beyond that only colour is left.
        var cell = n <= 10 ? (normalizeRows ? 56 : 50) : n <= 40 ? Math.Clamp(1000.0 / n, normalizeRows ? 36 : 32, 44) : Math.Max(6, 1000.0 / n);
        if (n <= 40)
        {
            var fontSize = n <= 10 ? 12 : 9;
            for (var t = 0; t < n; t++)
                for (var p = 0; p < n; p++)
                {
                    var fill = ColorMaps.At(ColorMap.Blues, data[p, t], 0, top);
                    model.Annotations.Add(new TextAnnotation
                    {
                        Text = text[p, t].Replace("\n", " "), TextPosition = new DataPoint(p, t), XAxisKey = "predicted", YAxisKey = "true",
                        TextColor = ColorMaps.TextOn(fill), FontSize = normalizeRows ? fontSize - 2 : fontSize, Stroke = OxyColors.Undefined,
                        StrokeThickness = 0, Padding = new OxyThickness(0), TextHorizontalAlignment = HorizontalAlignment.Center,
                        TextVerticalAlignment = VerticalAlignment.Middle, FontWeight = p == t ? FontWeights.Bold : FontWeights.Normal,
                        Tag = (t, p),
                    });
                }
        }
        var labelWidth = confusion.ClassNames.Max(s => TextWidth(s, 12));
        var width = n * cell + labelWidth + 200;
        var height = n * cell + (angle != 0 ? labelWidth * 0.75 : 20) + 150;
        return model.With(Math.Max(560, width), height);
    }

    // 4-5 ----------------------------------------------------------------------------------------------

    /// <summary>Images captioned "true / predicted (confidence)", green when right and red when wrong (test or training images).</summary>
    /// <param name="predictions">The predictions; the first <paramref name="count"/> are shown.</param>
    /// <param name="classNames">Class names, indexed by label.</param>
    /// <param name="count">How many to show.</param>
    /// <param name="columns">Images per row.</param>
    /// <param name="title">The chart title ("Predictions on training images" for the training set).</param>
    /// <returns>The chart: one image annotation per prediction and its caption as text annotations.</returns>
    public static PlotModel PredictionGrid(IReadOnlyList<Prediction> predictions, IReadOnlyList<string> classNames, int count = 32, int columns = 8,
        string title = "Predictions on test images")
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(classNames);
        var shown = predictions.Take(Math.Max(0, count)).ToArray();
        var right = shown.Count(p => p.IsCorrect);
        var c = new Canvas(title, $"Caption: true / predicted (confidence) · green: right ({right}), red: wrong ({shown.Length - right})");
        var tiles = shown.Select(p => new Tile(Panels.Gray(p.Image), p.Image.Height, p.Image.Width, PredictionCaption(classNames, p),
            p.IsCorrect ? ChartColors.Right : ChartColors.Wrong, Bold: true)).ToArray();
        Panels.Grid(c, 12, 8, tiles, Math.Min(columns, Math.Max(1, tiles.Length)), 56, 11, 10);
        return c.Finish();
    }

    /// <summary>"true / predicted (confidence)" on one line, or broken after the slash when long class names would make the grid too wide.</summary>
    private static string PredictionCaption(IReadOnlyList<string> names, Prediction p)
    {
        var (t, q, c) = (Name(names, p.TrueLabel), Name(names, p.PredictedLabel), Percent(p.Confidence, 1));
        var line = $"{t} / {q} ({c})";
        return TextWidth(line, 11, true) <= 130 ? line : $"{t} /\n{q} ({c})";
    }

    private static string Name(IReadOnlyList<string> names, int label) =>
        label >= 0 && label < names.Count ? names[label] : label.ToString(Inv);

    /// <summary>The first wrong predictions, each captioned "Predicted: p, True: t" in red.</summary>
    /// <param name="predictions">All predictions, in order; the wrong ones are picked out.</param>
    /// <param name="classNames">Class names, indexed by label.</param>
    /// <param name="count">How many errors to show.</param>
    /// <param name="columns">Images per row.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart.</returns>
    public static PlotModel Misclassified(IReadOnlyList<Prediction> predictions, IReadOnlyList<string> classNames, int count = 24, int columns = 6,
        string title = "Misclassified test images")
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(classNames);
        var wrongTotal = predictions.Count(p => !p.IsCorrect);
        var wrong = predictions.Where(p => !p.IsCorrect).Take(Math.Max(0, count)).ToArray();
        var longNames = classNames.Any(n => n.Length > 4);
        var subtitle = wrongTotal == 0
            ? $"No wrong predictions among {Count(predictions.Count)} images"
            : $"The first {wrong.Length} of {Count(wrongTotal)} wrong predictions ({Percent((double)wrongTotal / predictions.Count)} of {Count(predictions.Count)} images)";
        var c = new Canvas(title, subtitle);
        var tiles = wrong.Select(p =>
        {
            var (pred, truth) = (Name(classNames, p.PredictedLabel), Name(classNames, p.TrueLabel));
            var caption = longNames ? $"Predicted: {pred},\nTrue: {truth}" : $"Predicted: {pred}, True: {truth}";
            return new Tile(Panels.Gray(p.Image), p.Image.Height, p.Image.Width, caption, ChartColors.Wrong);
        }).ToArray();
        Panels.Grid(c, 12, 8, tiles, Math.Min(columns, Math.Max(1, tiles.Length)), 56, 11, 10);
        return c.Finish();
    }

    // 6 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Feature maps for one input: every channel of each layer given, one grid per layer with the layer's
    /// output shape in its title; each map scaled to its own range (viridis).
    /// </summary>
    /// <param name="maps">The input and the layers' outputs.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart.</returns>
    /// <exception cref="InvalidValueException">When a map holds NaN or infinity (named by layer).</exception>
    public static PlotModel FeatureMaps(FeatureMapSet maps, string title = "Feature maps")
    {
        ArgumentNullException.ThrowIfNull(maps);
        foreach (var layer in maps.Layers) Panels.CheckFinite(layer.Values, $"The feature maps of {layer.Name}");
        var c = new Canvas(title, "Every channel, each scaled to its own range (viridis: dark purple is low, yellow high)");
        var y = Panels.Title(c, 12, 8, $"Input {Shape(1, maps.Input.Height, maps.Input.Width)}");
        y = Panels.Grid(c, 12, y, [new Tile(Panels.Gray(maps.Input), maps.Input.Height, maps.Input.Width, maps.Caption, ChartColors.MutedText)], 1, 84) + 16;
        foreach (var layer in maps.Layers)
        {
            y = Panels.Title(c, 12, y, $"{layer.Name} — output {Shape(layer.Channels, layer.Height, layer.Width)}");
            var tiles = Enumerable.Range(0, layer.Channels)
                .Select(ch => new Tile(Panels.Stretched(layer.Channel(ch), ColorMap.Viridis), layer.Height, layer.Width, null, ChartColors.MutedText)).ToArray();
            var cols = layer.Channels <= 8 ? layer.Channels : layer.Channels > 64 ? 16 : 8;
            var cell = Math.Clamp(Math.Max(layer.Height, layer.Width) * 2.0, 36, 64);
            y = Panels.Grid(c, 12, y, tiles, cols, cell, gap: 6) + 16;
        }
        return c.Finish();
    }

    // 7 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// A kernel at work: the original image, the kernel with its values written in the cells, the filtered image
    /// and optionally the max-pooled image, with arrows between.
    /// </summary>
    /// <param name="original">The input image.</param>
    /// <param name="kernel">The kernel.</param>
    /// <param name="filtered">The input convolved with the kernel.</param>
    /// <param name="pooled">The filtered image after max-pooling, or null.</param>
    /// <param name="kernelName">The kernel's name (Sobel x, blur, sharpen).</param>
    /// <returns>The chart.</returns>
    public static PlotModel KernelAtWork(GrayImage original, Kernel2D kernel, GrayImage filtered, GrayImage? pooled = null, string kernelName = "kernel")
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(filtered);
        var c = new Canvas($"Kernel at work: {kernelName}",
            "Each output pixel is the sum of the input patch under the kernel times the kernel's weights · grey: smallest black, largest white");
        const double size = 168;
        var x = 12.0;
        // Every stage is centred on one line, the arrows between them run along it.
        var tallest = new[] { size * original.Height / original.Width, KernelCell(kernel) * kernel.Height, size * filtered.Height / original.Width,
            pooled is null ? 0 : size * pooled.Height / original.Width }.Max();
        var middle = StagesTop + tallest / 2;
        x = ImageStage(c, x, $"Original {Shape(original.Height, original.Width)}", Panels.Gray(original), original, size, size * original.Height / original.Width,
            middle: middle);
        x = Stage(c, x, () => KernelMatrix(c, x, kernel, $"Kernel: {kernelName} {Shape(kernel.Height, kernel.Width)}", middle));
        x = ImageStage(c, x, $"Filtered {Shape(filtered.Height, filtered.Width)}", Panels.Stretched(filtered), filtered,
            size * filtered.Width / original.Width, size * filtered.Height / original.Width, arrow: true, middle: middle);
        if (pooled is not null)
            ImageStage(c, x, $"Max-pooled {Shape(pooled.Height, pooled.Width)}", Panels.Stretched(pooled), pooled,
                size * pooled.Width / original.Width, size * pooled.Height / original.Width, arrow: true, middle: middle);
        return c.Finish();
    }

    private const double StageTop = 8;
    private const double StageGap = 56;

    /// <summary>The y under a stage's title (where <see cref="Panels.Title"/> leaves off).</summary>
    private const double StagesTop = StageTop + Panels.TitleSize * 1.25 + 6;

    /// <summary>An image stage of a left-to-right pipeline: title, picture, range caption; an arrow leads in. Returns the next x.
    /// When <paramref name="middle"/> is given the picture is centred on that line (titles stay in one row).</summary>
    private static double ImageStage(Canvas c, double x, string title, OxyImage image, GrayImage values, double w, double h, bool arrow = false, bool framed = false,
        double? middle = null)
    {
        var y = Panels.Title(c, x, StageTop, title);
        if (middle is { } m) y = Math.Max(y, m - h / 2);
        c.Image(image, x, y, w, h, framed);
        c.Text(x + w / 2, y + h + 4, Panels.RangeCaption(values), ChartColors.MutedText, 11);
        if (arrow) c.Arrow(x - StageGap + 10, y + h / 2, x - 10, y + h / 2);
        return x + Math.Max(w, Math.Max(TextWidth(title, Panels.TitleSize, true), TextWidth(Panels.RangeCaption(values), 11))) + StageGap;
    }

    private static double Stage(Canvas c, double x, Func<double> draw) => x + draw() + StageGap;

    /// <summary>
    /// A kernel as a numbered matrix on a blue-white-red scale centred on zero; returns its width with title. When
    /// <paramref name="middle"/> is given the matrix is centred on that line and an arrow on it leads in from the stage before.
    /// </summary>
    private static double KernelMatrix(Canvas c, double x, Kernel2D kernel, string title, double? middle = null)
    {
        var y = Panels.Title(c, x, StageTop, title);
        var a = Math.Max(1e-12, kernel.Weights.Max(w => Math.Abs(w)));
        var cell = KernelCell(kernel);
        if (middle is { } mid)
        {
            y = Math.Max(y, mid - cell * kernel.Height / 2);
            c.Arrow(x - StageGap + 10, mid, x - 10, mid);
        }
        var m = new GrayImage(kernel.Weights, kernel.Height, kernel.Width);
        var (w, _) = Panels.Matrix(c, x, y, m, cell, ColorMap.Diverging, -a, a, Panels.FormatFor(kernel.Weights), 13);
        return Math.Max(w, TextWidth(title, Panels.TitleSize, true));
    }

    /// <summary>The side of a kernel matrix's cells: large enough for its numbers, the whole at most about 150 pixels.</summary>
    private static double KernelCell(Kernel2D kernel) => Math.Clamp(150.0 / Math.Max(kernel.Height, kernel.Width), 26, 48);

    // 8 ------------------------------------------------------------------------------------------------

    /// <summary>
    /// The from-scratch pipeline for one input: input → filter → convolution → ReLU → max-pool, then the
    /// flattened values. Small stages are numbered matrices with a frame; convolution, ReLU, pooling and the
    /// flattened vector share one blue–white–red scale centred on zero, so ReLU's zeroing shows as blue turning white.
    /// </summary>
    /// <param name="stages">The stages' values.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart.</returns>
    public static PlotModel Pipeline(PipelineStages stages, string title = "A convolution layer from scratch")
    {
        ArgumentNullException.ThrowIfNull(stages);
        foreach (var (img, name) in new[] { (stages.Convolved, "convolution"), (stages.Activated, "ReLU output"), (stages.Pooled, "pooled output") })
            Panels.CheckFinite(img.Pixels, $"The {name}");
        double a = 1e-12;
        foreach (var img in new[] { stages.Convolved, stages.Activated, stages.Pooled })
            foreach (var v in img.Pixels) a = Math.Max(a, Math.Abs(v));
        foreach (var v in stages.Flattened) if (float.IsFinite(v)) a = Math.Max(a, Math.Abs(v));
        var c = new Canvas(title, "Blue is negative, white zero, red positive (one scale for convolution, ReLU, max-pool and flatten)");
        var small = Math.Max(stages.Input.Height, stages.Input.Width) <= 12;
        var x = 12.0;
        var bottom = 0.0;
        double Matrix(string name, GrayImage m, ColorMap map, double min, double max)
        {
            var y = Panels.Title(c, x, StageTop, name);
            var cell = small ? 30 : 130.0 / stages.Input.Width;
            double w, h;
            if (small) (w, h) = Panels.Matrix(c, x, y, m, cell, map, min, max, Panels.FormatFor(m.Pixels), 11);
            else
            {
                (w, h) = (cell * m.Width, cell * m.Height);
                c.Image(ColorMaps.Image(m.Pixels, m.Height, m.Width, min, max, map), x, y, w, h, framed: true);
            }
            if (x > 12) c.Arrow(x - StageGap + 10, y + h / 2, x - 10, y + h / 2);
            bottom = Math.Max(bottom, y + h);
            var used = Math.Max(w, TextWidth(name, Panels.TitleSize, true));
            x += used + StageGap;
            return used;
        }
        var (imin, imax) = stages.Input.Range();
        Matrix($"Input {Shape(stages.Input.Height, stages.Input.Width)}", stages.Input, ColorMap.Gray, Math.Min(0, imin), Math.Max(1, imax));
        var ka = Math.Max(1e-12, stages.Filter.Weights.Max(w => Math.Abs(w)));
        Matrix($"Filter {Shape(stages.Filter.Height, stages.Filter.Width)}", new GrayImage(stages.Filter.Weights, stages.Filter.Height, stages.Filter.Width), ColorMap.Diverging, -ka, ka);
        Matrix($"Convolution {Shape(stages.Convolved.Height, stages.Convolved.Width)}", stages.Convolved, ColorMap.Diverging, -a, a);
        Matrix($"ReLU {Shape(stages.Activated.Height, stages.Activated.Width)}", stages.Activated, ColorMap.Diverging, -a, a);
        Matrix($"Max-pool {Shape(stages.Pooled.Height, stages.Pooled.Width)}", stages.Pooled, ColorMap.Diverging, -a, a);
        Panels.ColorBar(c, x - StageGap + 16, StageTop + 24, Math.Max(60, bottom - StageTop - 24), -a, a, ColorMap.Diverging, "value");
        var n = stages.Flattened.Length;
        var fy = Panels.Title(c, 12, bottom + 24, $"Flatten: {Count(n)} values");
        if (n <= 24)
            Panels.Matrix(c, 12, fy, new GrayImage(stages.Flattened, 1, n), 38, ColorMap.Diverging, -a, a, Panels.FormatFor(stages.Flattened), 11);
        else
        {
            var w = Math.Clamp(n * 4.0, 240, 820);
            c.Image(ColorMaps.Image(stages.Flattened, 1, n, -a, a, ColorMap.Diverging), 12, fy, w, 26, framed: true);
            var first = string.Join(", ", stages.Flattened.Take(8).Select(v => Num(v, "0.00")));
            c.Text(12, fy + 32, $"[{first}, …]", ChartColors.MutedText, 12, h: HorizontalAlignment.Left);
        }
        return c.Finish();
    }

    // 9 ------------------------------------------------------------------------------------------------

    /// <summary>A histogram of a dataset's classes: one horizontal bar per class with its count written at the end.</summary>
    /// <param name="classNames">The class names.</param>
    /// <param name="counts">The number of examples of each class.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart: a <see cref="BarSeries"/> on a category axis of the class names.</returns>
    /// <exception cref="InvalidValueException">When there are no classes.</exception>
    public static PlotModel ClassHistogram(IReadOnlyList<string> classNames, IReadOnlyList<int> counts, string title = "Images per class")
    {
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0) throw new InvalidValueException("A class histogram needs at least one class; got none.");
        if (classNames.Count != counts.Count) throw new ShapeException($"{classNames.Count} class names but {counts.Count} counts.");
        var total = counts.Sum(c => (long)c);
        var lo = Enumerable.Range(0, counts.Count).MinBy(i => counts[i]);
        var hi = Enumerable.Range(0, counts.Count).MaxBy(i => counts[i]);
        var model = NewModel(title,
            $"{Count(total)} images in {counts.Count} classes · fewest: {classNames[lo]} ({Count(counts[lo])}), most: {classNames[hi]} ({Count(counts[hi])})");
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, ItemsSource = classNames, StartPosition = 1, EndPosition = 0, Key = "class", GapWidth = 0.3 });
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom, Title = "images", Minimum = 0, MaximumPadding = 0.14, Key = "count", StringFormat = "#,0",
            MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = ChartColors.Grid,
        });
        var bars = new BarSeries
        {
            FillColor = ChartColors.SeriesBlue, LabelFormatString = "{0:#,0}", LabelPlacement = LabelPlacement.Outside, LabelMargin = 4,
            XAxisKey = "count", YAxisKey = "class", TextColor = ChartColors.Text,
        };
        bars.Items.AddRange(counts.Select(v => new BarItem(v)));
        model.Series.Add(bars);
        return model.With(720, Math.Max(260, 26.0 * counts.Count + 150));
    }

    // 10 -----------------------------------------------------------------------------------------------

    /// <summary>Noise and what a decoder makes of it: noise on top, each generated image under its noise.</summary>
    /// <param name="noise">The noise inputs (a vector can be laid out with <see cref="GrayImage.FromVector"/>).</param>
    /// <param name="generated">The decoder's outputs, one per noise input.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart.</returns>
    public static PlotModel NoiseToImages(IReadOnlyList<GrayImage> noise, IReadOnlyList<GrayImage> generated, string title = "Noise → generated images")
    {
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(generated);
        if (noise.Count != generated.Count) throw new ShapeException($"{noise.Count} noise inputs but {generated.Count} generated images.");
        double a = 1e-12;
        foreach (var g in noise) { var (min, max) = g.Range(); a = Math.Max(a, Math.Max(Math.Abs(min), Math.Abs(max))); }
        var c = new Canvas(title, "Noise: blue negative, white zero, red positive · each image is under the noise it was made from");
        var cols = Math.Min(10, Math.Max(1, noise.Count));
        var y = Panels.Title(c, 12, 8, "Noise (decoder input)");
        y = Panels.Grid(c, 12, y, noise.Select((g, i) => new Tile(ColorMaps.Image(g.Pixels, g.Height, g.Width, -a, a, ColorMap.Diverging), g.Height, g.Width,
            $"#{i + 1}", ChartColors.MutedText, Framed: true)).ToArray(), cols, 56) + 16;
        y = Panels.Title(c, 12, y, "Generated (decoder output)");
        Panels.Grid(c, 12, y, generated.Select((g, i) => new Tile(Panels.Gray(g), g.Height, g.Width, $"#{i + 1}", ChartColors.MutedText)).ToArray(), cols, 56);
        return c.Finish();
    }

    // 11 -----------------------------------------------------------------------------------------------

    /// <summary>A model summary as a table: layer, type, output shape and parameters, with the total.</summary>
    /// <param name="summary">The model's layers.</param>
    /// <returns>The chart: the table's cells as text annotations, header and total in bold.</returns>
    public static PlotModel Summary(ModelSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var c = new Canvas($"Model summary: {summary.ModelName}",
            $"{summary.Rows.Count} layers · {Count(summary.TotalParameters)} trainable parameters · input {summary.InputShape}");
        var rows = new List<string[]> { new[] { "Layer", "Type", "Output shape", "Parameters" }, new[] { "input", "Input", summary.InputShape, "" } };
        rows.AddRange(summary.Rows.Select(r => new[] { r.Name, r.Kind, r.OutputShape, Count(r.Parameters) }));
        rows.Add(["Total", "", "", Count(summary.TotalParameters)]);
        const double size = 13, rowH = 26, pad = 14;
        var widths = Enumerable.Range(0, 4).Select(j => rows.Max(r => TextWidth(r[j], size, true)) + 2 * pad).ToArray();
        var total = widths.Sum();
        double y = 8;
        for (var i = 0; i < rows.Count; i++)
        {
            var header = i == 0;
            var footer = i == rows.Count - 1;
            if (header) c.Rect(12, y, total, rowH, OxyColor.FromRgb(232, 236, 242), OxyColors.Undefined, 0);
            else if (!footer && i % 2 == 0) c.Rect(12, y, total, rowH, OxyColor.FromRgb(246, 247, 249), OxyColors.Undefined, 0);
            if (footer) c.Rect(12, y, total, 0.01, OxyColors.Undefined, ChartColors.Text, 1.5);
            var x = 12.0;
            for (var j = 0; j < 4; j++)
            {
                var rightAligned = j == 3;
                c.Text(rightAligned ? x + widths[j] - pad : x + pad, y + rowH / 2, rows[i][j], ChartColors.Text, size, header || footer,
                    rightAligned ? HorizontalAlignment.Right : HorizontalAlignment.Left, VerticalAlignment.Middle);
                x += widths[j];
            }
            y += rowH;
        }
        return c.Finish();
    }
}
