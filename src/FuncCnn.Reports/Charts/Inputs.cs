namespace FuncCnn.Reports;

/// <summary>The metrics of one training epoch.</summary>
/// <param name="Epoch">The epoch number (1 for the first).</param>
/// <param name="TrainLoss">Mean training loss.</param>
/// <param name="TrainAccuracy">Training accuracy, 0..1.</param>
/// <param name="ValLoss">Validation loss, or null when there was no validation set.</param>
/// <param name="ValAccuracy">Validation accuracy, 0..1, or null.</param>
/// <param name="Seconds">Wall-clock time the epoch took.</param>
public sealed record EpochMetrics(int Epoch, double TrainLoss, double TrainAccuracy, double? ValLoss, double? ValAccuracy, double Seconds);

/// <summary>A single-channel image (a digit, a sketch, a feature map), row-major.</summary>
public sealed record GrayImage
{
    /// <summary>An image of <paramref name="height"/> x <paramref name="width"/> values.</summary>
    /// <param name="pixels">The values, row-major (any range; charts scale them); not copied.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <exception cref="ShapeException">When a side is 0 or the sizes do not match the number of values.</exception>
    public GrayImage(float[] pixels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (height <= 0 || width <= 0)
            throw new ShapeException($"An image must have at least one row and one column; got {height}x{width}.");
        if (pixels.Length != (long)height * width)
            throw new ShapeException($"A {height}x{width} image needs {(long)height * width} values; got {pixels.Length}.");
        Pixels = pixels; Height = height; Width = width;
    }

    /// <summary>The values, row-major.</summary>
    public float[] Pixels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>The smallest and largest finite values (0 and 0 when there are none).</summary>
    public (float Min, float Max) Range()
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in Pixels) if (float.IsFinite(v)) { if (v < min) min = v; if (v > max) max = v; }
        return float.IsInfinity(min) ? (0, 0) : (min, max);
    }

    /// <summary>Lays a vector out as a near-square image (a noise vector, a flattened layer), padding with zeros.</summary>
    /// <param name="values">The values.</param>
    /// <returns>An image of ceil(sqrt(n)) columns.</returns>
    public static GrayImage FromVector(float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) throw new ArgumentException("An empty vector has no image.", nameof(values));
        var w = (int)Math.Ceiling(Math.Sqrt(values.Length));
        var h = (values.Length + w - 1) / w;
        var pixels = new float[h * w];
        values.CopyTo(pixels, 0);
        return new GrayImage(pixels, h, w);
    }
}

/// <summary>A colour image: three planes (red, green, blue), each row-major, in 0..1 or 0..255.</summary>
public sealed record RgbImage
{
    /// <summary>An RGB image of <paramref name="height"/> x <paramref name="width"/>, channel-major (all red, then green, then blue).</summary>
    /// <param name="pixels">3*height*width values (CHW); not copied.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <exception cref="ShapeException">When a side is 0 or the sizes do not match the number of values.</exception>
    public RgbImage(float[] pixels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (height <= 0 || width <= 0)
            throw new ShapeException($"An image must have at least one row and one column; got {height}x{width}.");
        if (pixels.Length != 3L * height * width)
            throw new ShapeException($"A 3x{height}x{width} colour image needs {3L * height * width} values; got {pixels.Length}.");
        Pixels = pixels; Height = height; Width = width;
    }

    /// <summary>The values, [channel, row, column].</summary>
    public float[] Pixels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>One channel (0 red, 1 green, 2 blue) as a grey image.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>A copy of the plane.</returns>
    public GrayImage Channel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channel, 2);
        var n = Height * Width;
        return new GrayImage(Pixels.AsSpan(channel * n, n).ToArray(), Height, Width);
    }

    /// <summary>The largest value the image's scale allows: 1 for images in 0..1, else 255.</summary>
    public float Scale => Pixels.Where(float.IsFinite).DefaultIfEmpty(0f).Max() <= 1f ? 1f : 255f;
}

/// <summary>A small 2-D kernel (a hand-made filter such as Sobel, or one slice of a learned filter), row-major.</summary>
public sealed record Kernel2D
{
    /// <summary>A kernel of <paramref name="height"/> x <paramref name="width"/> weights.</summary>
    /// <param name="weights">The weights, row-major; not copied.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <exception cref="ArgumentException">When the sizes do not match the number of weights.</exception>
    public Kernel2D(float[] weights, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (height <= 0 || width <= 0 || weights.Length != height * width)
            throw new ArgumentException($"A {height}x{width} kernel needs {height * width} weights; got {weights.Length}.", nameof(weights));
        Weights = weights; Height = height; Width = width;
    }

    /// <summary>The weights, row-major.</summary>
    public float[] Weights { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }
}

/// <summary>The weights of a convolution layer, shape [outChannels, inChannels, kernelHeight, kernelWidth] (NCHW order).</summary>
public sealed record FilterBank
{
    /// <summary>A filter bank.</summary>
    /// <param name="layerName">The layer's name (conv1).</param>
    /// <param name="weights">outChannels*inChannels*kernelHeight*kernelWidth weights in that order; not copied.</param>
    /// <param name="outChannels">Number of filters.</param>
    /// <param name="inChannels">Input channels of each filter.</param>
    /// <param name="kernelHeight">Kernel rows.</param>
    /// <param name="kernelWidth">Kernel columns.</param>
    /// <exception cref="ArgumentException">When the shape does not match the number of weights.</exception>
    public FilterBank(string layerName, float[] weights, int outChannels, int inChannels, int kernelHeight, int kernelWidth)
    {
        ArgumentNullException.ThrowIfNull(layerName);
        ArgumentNullException.ThrowIfNull(weights);
        if (outChannels <= 0 || inChannels <= 0 || kernelHeight <= 0 || kernelWidth <= 0
            || weights.Length != (long)outChannels * inChannels * kernelHeight * kernelWidth)
            throw new ArgumentException(
                $"Filters of shape [{outChannels}, {inChannels}, {kernelHeight}, {kernelWidth}] need {(long)outChannels * inChannels * kernelHeight * kernelWidth} weights; got {weights.Length}.",
                nameof(weights));
        LayerName = layerName; Weights = weights; OutChannels = outChannels; InChannels = inChannels;
        KernelHeight = kernelHeight; KernelWidth = kernelWidth;
    }

    /// <summary>The layer's name.</summary>
    public string LayerName { get; }

    /// <summary>The weights, [out, in, kh, kw].</summary>
    public float[] Weights { get; }

    /// <summary>Number of filters.</summary>
    public int OutChannels { get; }

    /// <summary>Input channels of each filter.</summary>
    public int InChannels { get; }

    /// <summary>Kernel rows.</summary>
    public int KernelHeight { get; }

    /// <summary>Kernel columns.</summary>
    public int KernelWidth { get; }

    /// <summary>The kernel filter <paramref name="filter"/> applies to input channel <paramref name="inputChannel"/>.</summary>
    /// <param name="filter">Output channel, 0-based.</param>
    /// <param name="inputChannel">Input channel, 0-based.</param>
    /// <returns>A copy of the kernel's weights.</returns>
    public Kernel2D Kernel(int filter, int inputChannel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(filter);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(filter, OutChannels);
        ArgumentOutOfRangeException.ThrowIfNegative(inputChannel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(inputChannel, InChannels);
        var n = KernelHeight * KernelWidth;
        return new Kernel2D(Weights.AsSpan((filter * InChannels + inputChannel) * n, n).ToArray(), KernelHeight, KernelWidth);
    }
}

/// <summary>Counts of (true class, predicted class) pairs.</summary>
public sealed record ConfusionCounts
{
    /// <summary>A confusion matrix.</summary>
    /// <param name="counts">counts[t, p] is how many examples of true class t were predicted as p; not copied.</param>
    /// <param name="classNames">One name per class.</param>
    /// <exception cref="InvalidValueException">When there are no classes.</exception>
    /// <exception cref="ArgumentException">When the matrix is not square with one row per class, or a count is negative.</exception>
    public ConfusionCounts(int[,] counts, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0)
            throw new InvalidValueException("A confusion matrix needs at least one class; the class names are empty.");
        if (counts.GetLength(0) != classNames.Count || counts.GetLength(1) != classNames.Count)
            throw new ArgumentException($"A confusion matrix for {classNames.Count} classes is {classNames.Count}x{classNames.Count}; got {counts.GetLength(0)}x{counts.GetLength(1)}.", nameof(counts));
        foreach (var c in counts) if (c < 0) throw new ArgumentException("Counts cannot be negative.", nameof(counts));
        Counts = counts; ClassNames = classNames;
    }

    /// <summary>counts[t, p]: examples of true class t predicted as p.</summary>
    public int[,] Counts { get; }

    /// <summary>One name per class.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>All examples counted.</summary>
    public long Total { get { long t = 0; foreach (var c in Counts) t += c; return t; } }

    /// <summary>Examples on the diagonal (predicted right).</summary>
    public long Correct { get { long t = 0; for (var i = 0; i < ClassNames.Count; i++) t += Counts[i, i]; return t; } }

    /// <summary>The fraction predicted right, 0..1 (0 when there are no examples).</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>A confusion matrix from jagged rows.</summary>
    /// <param name="rows">rows[t][p].</param>
    /// <param name="classNames">One name per class.</param>
    /// <returns>The counts.</returns>
    public static ConfusionCounts FromRows(int[][] rows, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var n = rows.Length;
        var m = new int[n, n];
        for (var t = 0; t < n; t++)
        {
            if (rows[t].Length != n) throw new ArgumentException($"Row {t} has {rows[t].Length} counts; a {n}x{n} matrix needs {n}.", nameof(rows));
            for (var p = 0; p < n; p++) m[t, p] = rows[t][p];
        }
        return new ConfusionCounts(m, classNames);
    }

    /// <summary>Counts the (true, predicted) pairs of a set of predictions.</summary>
    /// <param name="predictions">The predictions.</param>
    /// <param name="classNames">One name per class; labels index into it.</param>
    /// <returns>The counts.</returns>
    public static ConfusionCounts FromPredictions(IEnumerable<Prediction> predictions, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(classNames);
        var n = classNames.Count;
        var m = new int[n, n];
        foreach (var p in predictions)
        {
            if ((uint)p.TrueLabel >= n || (uint)p.PredictedLabel >= n)
                throw new ArgumentException($"A prediction names class {p.TrueLabel} or {p.PredictedLabel}, but there are {n} classes.", nameof(predictions));
            m[p.TrueLabel, p.PredictedLabel]++;
        }
        return new ConfusionCounts(m, classNames);
    }
}

/// <summary>The model's answer for one image.</summary>
/// <param name="Image">The input image.</param>
/// <param name="TrueLabel">The right class, 0-based.</param>
/// <param name="PredictedLabel">The predicted class, 0-based.</param>
/// <param name="Confidence">The probability the model gave its prediction, 0..1.</param>
public sealed record Prediction(GrayImage Image, int TrueLabel, int PredictedLabel, double Confidence)
{
    /// <summary>True when the prediction is right.</summary>
    public bool IsCorrect => TrueLabel == PredictedLabel;
}

/// <summary>The output of one layer for one input: <see cref="Channels"/> maps of <see cref="Height"/> x <see cref="Width"/>.</summary>
public sealed record FeatureMapLayer
{
    /// <summary>A layer's activations for one input.</summary>
    /// <param name="name">The layer's name (conv1, pool1).</param>
    /// <param name="values">channels*height*width values, channel-major (CHW); not copied.</param>
    /// <param name="channels">Channels.</param>
    /// <param name="height">Rows of each map.</param>
    /// <param name="width">Columns of each map.</param>
    /// <exception cref="ArgumentException">When the shape does not match the number of values.</exception>
    public FeatureMapLayer(string name, float[] values, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(values);
        if (channels <= 0 || height <= 0 || width <= 0 || values.Length != (long)channels * height * width)
            throw new ArgumentException($"Feature maps of shape [{channels}, {height}, {width}] need {(long)channels * height * width} values; got {values.Length}.", nameof(values));
        Name = name; Values = values; Channels = channels; Height = height; Width = width;
    }

    /// <summary>The layer's name.</summary>
    public string Name { get; }

    /// <summary>The values, [channel, row, column].</summary>
    public float[] Values { get; }

    /// <summary>Channels.</summary>
    public int Channels { get; }

    /// <summary>Rows of each map.</summary>
    public int Height { get; }

    /// <summary>Columns of each map.</summary>
    public int Width { get; }

    /// <summary>One channel's map.</summary>
    /// <param name="channel">The channel, 0-based.</param>
    /// <returns>A copy of the map.</returns>
    public GrayImage Channel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Channels);
        var n = Height * Width;
        return new GrayImage(Values.AsSpan(channel * n, n).ToArray(), Height, Width);
    }
}

/// <summary>The feature maps of several layers for one input image.</summary>
/// <param name="Input">The input image.</param>
/// <param name="Layers">The layers, in network order.</param>
/// <param name="Caption">What the input is (e.g. "test image #0, a 7"), or null.</param>
public sealed record FeatureMapSet(GrayImage Input, IReadOnlyList<FeatureMapLayer> Layers, string? Caption = null);

/// <summary>The stages of the from-scratch convolution pipeline for one input.</summary>
/// <param name="Input">The input image.</param>
/// <param name="Filter">The kernel.</param>
/// <param name="Convolved">The input convolved with the kernel.</param>
/// <param name="Activated">The convolution after ReLU.</param>
/// <param name="Pooled">The ReLU output after max-pooling.</param>
/// <param name="Flattened">The pooled values flattened into a vector.</param>
public sealed record PipelineStages(GrayImage Input, Kernel2D Filter, GrayImage Convolved, GrayImage Activated, GrayImage Pooled, float[] Flattened);

/// <summary>One layer of a model summary.</summary>
/// <param name="Name">The layer's name (conv1).</param>
/// <param name="Kind">The layer type with its settings (Conv2d 3x3, 32 filters).</param>
/// <param name="OutputShape">The output shape, as text (32×26×26).</param>
/// <param name="Parameters">The number of trainable parameters.</param>
public sealed record SummaryRow(string Name, string Kind, string OutputShape, long Parameters);

/// <summary>A model's layers, for the summary table.</summary>
/// <param name="ModelName">The model's name.</param>
/// <param name="InputShape">The input shape, as text (1×28×28).</param>
/// <param name="Rows">The layers, in order.</param>
public sealed record ModelSummary(string ModelName, string InputShape, IReadOnlyList<SummaryRow> Rows)
{
    /// <summary>The sum of the layers' parameters.</summary>
    public long TotalParameters => Rows.Sum(r => r.Parameters);
}

/// <summary>How learned filters are scaled to grey levels.</summary>
public enum FilterNormalization
{
    /// <summary>All filters share one range: the smallest weight of any is black, the largest white (as the notebooks do).</summary>
    Together,
    /// <summary>Each filter is scaled to its own range.</summary>
    PerFilter,
}
