using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using static FuncCnn.Reports.Style;

namespace FuncCnn.Reports;

/// <summary>A few images of a dataset with their labels (for a preview grid).</summary>
/// <param name="Images">The images.</param>
/// <param name="Labels">One label per image, indexing the class names.</param>
/// <param name="Name">The dataset's name (MNIST), for the title.</param>
public sealed record DatasetSample(IReadOnlyList<GrayImage> Images, IReadOnlyList<int> Labels, string Name = "Dataset");

/// <summary>A titled matrix for <see cref="Charts.Matrices"/>.</summary>
/// <param name="Title">What it is (Input, Kernel, After ReLU).</param>
/// <param name="Values">The values.</param>
/// <param name="Diverging">Colour on a blue-white-red scale centred on zero (else grey, smallest black).</param>
public sealed record LabeledMatrix(string Title, GrayImage Values, bool Diverging = false);

/// <summary>The activation functions <see cref="Charts.ActivationFunctions"/> can draw.</summary>
public enum ActivationFunction
{
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>max(0.1x, x).</summary>
    LeakyRelu,
    /// <summary>1 / (1 + e^−x).</summary>
    Sigmoid,
    /// <summary>tanh x.</summary>
    Tanh,
    /// <summary>x for x ≥ 0, e^x − 1 below.</summary>
    Elu,
    /// <summary>ln(1 + e^x).</summary>
    Softplus,
}

public static partial class Charts
{
    /// <summary>
    /// One convolution step, as the notebooks draw it: the input with the window at (<paramref name="row"/>,
    /// <paramref name="column"/>) outlined, the kernel, their element-wise products, "sum + bias = value", and the
    /// output with that cell outlined (cells not yet computed left blank). Every cell shows its number.
    /// </summary>
    /// <param name="input">The input (small: up to about 12x12).</param>
    /// <param name="kernel">The kernel.</param>
    /// <param name="row">The window's top row (an output row).</param>
    /// <param name="column">The window's left column (an output column).</param>
    /// <param name="bias">The bias added to the sum.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart.</returns>
    /// <exception cref="ShapeException">When the kernel is larger than the input or the position is outside the output.</exception>
    public static PlotModel ConvolutionStep(GrayImage input, Kernel2D kernel, int row, int column, double bias = 0, string title = "One convolution step")
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(kernel);
        Panels.CheckFinite(input.Pixels, "The input");
        Panels.CheckFinite(kernel.Weights, "The kernel");
        int oh = input.Height - kernel.Height + 1, ow = input.Width - kernel.Width + 1;
        if (oh <= 0 || ow <= 0) throw new ShapeException($"A {Shape(kernel.Height, kernel.Width)} kernel does not fit a {Shape(input.Height, input.Width)} input.");
        if (row < 0 || row >= oh || column < 0 || column >= ow)
            throw new ShapeException($"Position ({row}, {column}) is outside the {Shape(oh, ow)} output.");
        var output = new float[oh * ow];
        for (var r = 0; r < oh; r++)
            for (var c = 0; c < ow; c++)
            {
                double sum = bias;
                for (var i = 0; i < kernel.Height; i++)
                    for (var j = 0; j < kernel.Width; j++)
                        sum += input.Pixels[(r + i) * input.Width + c + j] * kernel.Weights[i * kernel.Width + j];
                output[r * ow + c] = (float)sum;
            }
        var products = new float[kernel.Height * kernel.Width];
        for (var i = 0; i < kernel.Height; i++)
            for (var j = 0; j < kernel.Width; j++)
                products[i * kernel.Width + j] = input.Pixels[(row + i) * input.Width + column + j] * kernel.Weights[i * kernel.Width + j];
        var sumProducts = products.Sum(v => (double)v);
        var value = output[row * ow + column];
        var canvas = new Canvas(title, $"Output cell ({row}, {column}): the input under the window times the kernel, cell by cell, summed, plus the bias");
        const double cell = 32;
        var x = 12.0;
        var (imin, imax) = input.Range();
        var y = Panels.Title(canvas, x, StageTop, $"Input {Shape(input.Height, input.Width)}");
        var (w, h) = Panels.Matrix(canvas, x, y, input, cell, ColorMap.Gray, Math.Min(0, imin), Math.Max(1e-12, imax), Panels.FormatFor(input.Pixels), 11);
        canvas.Rect(x + column * cell, y + row * cell, kernel.Width * cell, kernel.Height * cell, OxyColors.Undefined, ChartColors.Highlight, 3);
        var bottom = y + h;
        x += w + StageGap;
        var ka = Math.Max(1e-12, kernel.Weights.Max(v => Math.Abs(v)));
        y = Panels.Title(canvas, x, StageTop, "Kernel");
        (w, h) = Panels.Matrix(canvas, x, y, new GrayImage(kernel.Weights, kernel.Height, kernel.Width), cell, ColorMap.Diverging, -ka, ka, Panels.FormatFor(kernel.Weights), 11);
        canvas.Text(x - StageGap / 2, y + h / 2, "×", ChartColors.Text, 22, true, v: VerticalAlignment.Middle);
        x += Math.Max(w, 60) + StageGap;
        var pa = Math.Max(1e-12, products.Max(v => Math.Abs(v)));
        y = Panels.Title(canvas, x, StageTop, "Products");
        (w, h) = Panels.Matrix(canvas, x, y, new GrayImage(products, kernel.Height, kernel.Width), cell + 8, ColorMap.Diverging, -pa, pa, Panels.FormatFor(products), 11);
        canvas.Text(x - StageGap / 2, y + h / 2, "=", ChartColors.Text, 22, true, v: VerticalAlignment.Middle);
        var equation = $"{Num(sumProducts, "0.##")} + {Num(bias, "0.##")} = {Num(value, "0.##")}";
        canvas.Text(x, y + h + 10, "sum + bias = value", ChartColors.MutedText, 12, h: HorizontalAlignment.Left);
        canvas.Text(x, y + h + 28, equation, ChartColors.Text, 14, true, h: HorizontalAlignment.Left);
        bottom = Math.Max(bottom, y + h + 48);
        x += Math.Max(w, TextWidth(equation, 14, true)) + StageGap;
        var oa = Math.Max(1e-12, output.Max(v => Math.Abs(v)));
        y = Panels.Title(canvas, x, StageTop, $"Output {Shape(oh, ow)}");
        (w, h) = Panels.Matrix(canvas, x, y, new GrayImage(output, oh, ow), cell + 8, ColorMap.Diverging, -oa, oa, Panels.FormatFor(output), 11,
            (r, c) => r < row || (r == row && c <= column));
        canvas.Rect(x + column * (cell + 8), y + row * (cell + 8), cell + 8, cell + 8, OxyColors.Undefined, ChartColors.Highlight, 3);
        canvas.Arrow(x - StageGap + 10, y + h / 2, x - 10, y + h / 2);
        canvas.Extend(0, bottom);
        return canvas.Finish();
    }

    /// <summary>
    /// Small matrices side by side (input, kernel, feature map, after ReLU, after pooling), every value written in
    /// its cell and a frame around each, so a white border cell never melts into the page.
    /// </summary>
    /// <param name="matrices">The matrices, left to right.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart.</returns>
    public static PlotModel Matrices(IReadOnlyList<LabeledMatrix> matrices, string title = "Matrices")
    {
        ArgumentNullException.ThrowIfNull(matrices);
        if (matrices.Count == 0) throw new InvalidValueException("Matrices needs at least one matrix; got none.");
        var c = new Canvas(title, "Grey: smallest black, largest white · blue–white–red: negative, zero, positive");
        var x = 12.0;
        foreach (var m in matrices)
        {
            Panels.CheckFinite(m.Values.Pixels, $"The matrix '{m.Title}'");
            var y = Panels.Title(c, x, StageTop, $"{m.Title} {Shape(m.Values.Height, m.Values.Width)}");
            var (min, max) = m.Values.Range();
            var a = Math.Max(1e-12, Math.Max(Math.Abs(min), Math.Abs(max)));
            var cell = Math.Clamp(200.0 / Math.Max(m.Values.Height, m.Values.Width), 30, 44);
            var (w, h) = m.Diverging
                ? Panels.Matrix(c, x, y, m.Values, cell, ColorMap.Diverging, -a, a, Panels.FormatFor(m.Values.Pixels), 11)
                : Panels.Matrix(c, x, y, m.Values, cell, ColorMap.Gray, Math.Min(0, min), Math.Max(max, min + 1e-12), Panels.FormatFor(m.Values.Pixels), 11);
            if (x > 12) c.Arrow(x - 34, y + h / 2, x - 8, y + h / 2);
            x += Math.Max(w, TextWidth($"{m.Title} {Shape(m.Values.Height, m.Values.Width)}", Panels.TitleSize, true)) + 44;
        }
        return c.Finish();
    }

    /// <summary>Activation functions as line plots over −4..4 (ReLU alone by default).</summary>
    /// <param name="functions">The functions to draw, or none for ReLU.</param>
    /// <returns>The chart: one <see cref="FunctionSeries"/> per function, named in the legend.</returns>
    public static PlotModel ActivationFunctions(params ActivationFunction[] functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        if (functions.Length == 0) functions = [ActivationFunction.Relu];
        var names = functions.Select(ActivationName).ToArray();
        var model = NewModel(functions.Length == 1 ? $"The {names[0]} function" : "Activation functions",
            functions.Length == 1 ? ActivationFormula(functions[0]) : string.Join(" · ", functions.Select(f => $"{ActivationName(f)}: {ActivationFormula(f)}")));
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.LeftTop, LegendBorderThickness = 0, LegendBackground = OxyColor.FromAColor(220, OxyColors.White) });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "x", Minimum = -4, Maximum = 4, MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = ChartColors.Grid, PositionAtZeroCrossing = false });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "f(x)", MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = ChartColors.Grid, MinimumPadding = 0.05, MaximumPadding = 0.05 });
        OxyColor[] colors = [ChartColors.SeriesBlue, ChartColors.SeriesOrange, OxyColor.FromRgb(44, 160, 44), OxyColor.FromRgb(148, 103, 189), OxyColor.FromRgb(214, 39, 40), OxyColor.FromRgb(140, 86, 75)];
        for (var i = 0; i < functions.Length; i++)
        {
            var f = Activation(functions[i]);
            model.Series.Add(new FunctionSeries(f, -4, 4, 0.01, names[i]) { Color = colors[i % colors.Length], StrokeThickness = 2.5 });
        }
        return model.With(640, 440);
    }

    private static string ActivationName(ActivationFunction f) => f switch
    {
        ActivationFunction.Relu => "ReLU", ActivationFunction.LeakyRelu => "Leaky ReLU", ActivationFunction.Sigmoid => "Sigmoid",
        ActivationFunction.Tanh => "Tanh", ActivationFunction.Elu => "ELU", ActivationFunction.Softplus => "Softplus",
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "Unknown activation function."),
    };

    private static string ActivationFormula(ActivationFunction f) => f switch
    {
        ActivationFunction.Relu => "max(0, x): negatives become 0", ActivationFunction.LeakyRelu => "max(0.1x, x)",
        ActivationFunction.Sigmoid => "1 / (1 + e^−x)", ActivationFunction.Tanh => "tanh x", ActivationFunction.Elu => "x ≥ 0: x, else e^x − 1",
        ActivationFunction.Softplus => "ln(1 + e^x)", _ => "",
    };

    private static Func<double, double> Activation(ActivationFunction f) => f switch
    {
        ActivationFunction.Relu => x => Math.Max(0, x),
        ActivationFunction.LeakyRelu => x => Math.Max(0.1 * x, x),
        ActivationFunction.Sigmoid => x => 1 / (1 + Math.Exp(-x)),
        ActivationFunction.Tanh => Math.Tanh,
        ActivationFunction.Elu => x => x >= 0 ? x : Math.Exp(x) - 1,
        ActivationFunction.Softplus => x => Math.Log(1 + Math.Exp(x)),
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "Unknown activation function."),
    };

    /// <summary>A flattened vector as a bar chart: one bar per value (blue below zero, red above), index along x.</summary>
    /// <param name="values">The values.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart: a <see cref="LinearBarSeries"/> of (index, value).</returns>
    /// <exception cref="InvalidValueException">When the vector is empty or holds NaN.</exception>
    public static PlotModel VectorBars(IReadOnlyList<float> values, string title = "Flattened vector")
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new InvalidValueException("A flattened vector needs at least one value; got none.");
        Panels.CheckFinite(values.ToArray(), "The vector");
        var nonZero = values.Count(v => v != 0);
        var model = NewModel(title, $"{Count(values.Count)} values · {Count(nonZero)} non-zero · min {Num(values.Min(), "0.###")}, max {Num(values.Max(), "0.###")}");
        model.IsLegendVisible = false;
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "index", Minimum = -0.5, Maximum = values.Count - 0.5, MajorGridlineStyle = LineStyle.None });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "value", MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = ChartColors.Grid, MinimumPadding = 0.05, MaximumPadding = 0.05 });
        var bars = new LinearBarSeries
        {
            FillColor = OxyColor.FromRgb(214, 96, 77), NegativeFillColor = OxyColor.FromRgb(67, 147, 195), BarWidth = Math.Clamp(600.0 / values.Count, 1, 30),
            StrokeThickness = 0, Title = "value",
        };
        bars.Points.AddRange(values.Select((v, i) => new DataPoint(i, v)));
        model.Series.Add(bars);
        return model.With(Math.Clamp(200 + values.Count * 8.0, 480, 960), 380);
    }

    /// <summary>A dataset preview: a row per class with its name, and up to <paramref name="perClass"/> of its images.</summary>
    /// <param name="sample">Images and labels.</param>
    /// <param name="classNames">Class names, indexed by label.</param>
    /// <param name="perClass">Images per class.</param>
    /// <param name="title">The chart title, or null for one naming the dataset.</param>
    /// <returns>The chart: a text annotation per class name and an image annotation per image.</returns>
    public static PlotModel DatasetPreview(DatasetSample sample, IReadOnlyList<string> classNames, int perClass = 8, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0) throw new InvalidValueException("A dataset preview needs at least one class; the class names are empty.");
        if (sample.Images.Count != sample.Labels.Count) throw new ShapeException($"{sample.Images.Count} images but {sample.Labels.Count} labels.");
        var c = new Canvas(title ?? $"{sample.Name}: a preview", $"Up to {perClass} images of each of the {classNames.Count} classes, as they are fed to the model");
        var nameWidth = classNames.Max(n => TextWidth(n, 12, true)) + 12;
        const double cell = 44, gap = 4;
        var y = 8.0;
        for (var k = 0; k < classNames.Count; k++)
        {
            var images = sample.Images.Where((_, i) => sample.Labels[i] == k).Take(perClass).ToArray();
            if (images.Length == 0) continue;
            c.Text(12 + nameWidth - 12, y + cell / 2, classNames[k], ChartColors.Text, 12, true, HorizontalAlignment.Right, VerticalAlignment.Middle);
            for (var j = 0; j < images.Length; j++)
                c.Image(Panels.Gray(images[j]), 12 + nameWidth + j * (cell + gap), y, cell, cell * images[j].Height / images[j].Width);
            y += cell + gap;
        }
        c.Extend(12 + nameWidth + perClass * (cell + gap), y);
        return c.Finish();
    }

    /// <summary>
    /// One channel of one layer across several images of the same class: the inputs on top, the channel's map
    /// under each, all maps on one scale so strong and weak responses compare.
    /// </summary>
    /// <param name="inputs">The input images.</param>
    /// <param name="maps">The channel's map for each input.</param>
    /// <param name="layer">The layer's name.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="className">The class the images belong to.</param>
    /// <returns>The chart.</returns>
    public static PlotModel ChannelAcrossImages(IReadOnlyList<GrayImage> inputs, IReadOnlyList<GrayImage> maps, string layer, int channel, string className)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(maps);
        if (inputs.Count != maps.Count) throw new ShapeException($"{inputs.Count} images but {maps.Count} maps.");
        if (inputs.Count == 0) throw new InvalidValueException("Channel across images needs at least one image; got none.");
        foreach (var m in maps) Panels.CheckFinite(m.Pixels, $"A map of {layer} channel {channel}");
        var min = maps.Min(m => m.Range().Min);
        var max = maps.Max(m => m.Range().Max);
        var c = new Canvas($"{layer}, channel {channel}, on {inputs.Count} images of {className}",
            $"Top: the inputs · bottom: what channel {channel} of {layer} makes of each, on one scale (viridis {Num(min, "0.##")} … {Num(max, "0.##")})");
        var y = Panels.Title(c, 12, 8, "Input");
        y = Panels.Grid(c, 12, y, inputs.Select(g => new Tile(Panels.Gray(g), g.Height, g.Width, null, ChartColors.MutedText)).ToArray(), inputs.Count, 64) + 14;
        y = Panels.Title(c, 12, y, $"{layer} channel {channel}");
        var bottom = Panels.Grid(c, 12, y, maps.Select(g => new Tile(ColorMaps.Image(g.Pixels, g.Height, g.Width, min, max, ColorMap.Viridis), g.Height, g.Width, null, ChartColors.MutedText)).ToArray(), maps.Count, 64);
        Panels.ColorBar(c, 12 + maps.Count * 72 + 8, y, bottom - y, min, max, ColorMap.Viridis, null);
        return c.Finish();
    }

    /// <summary>A colour image beside its red, green and blue channels (each in grey, brighter is more of that colour).</summary>
    /// <param name="image">The image.</param>
    /// <param name="title">The chart title.</param>
    /// <returns>The chart.</returns>
    public static PlotModel RgbChannels(RgbImage image, string title = "A colour image is three channels")
    {
        ArgumentNullException.ThrowIfNull(image);
        Panels.CheckFinite(image.Pixels, "The colour image");
        var c = new Canvas(title, $"{Shape(3, image.Height, image.Width)}: one {Shape(image.Height, image.Width)} plane per colour; brighter means more of that colour");
        var scale = image.Scale;
        var size = 200.0;
        var (w, h) = (size, size * image.Height / image.Width);
        var x = 12.0;
        var y = Panels.Title(c, x, StageTop, "RGB image");
        c.Image(ColorMaps.Rgb(image.Channel(0).Pixels, image.Channel(1).Pixels, image.Channel(2).Pixels, image.Height, image.Width, 0, scale), x, y, w, h, framed: true);
        x += w + StageGap;
        string[] names = ["Red", "Green", "Blue"];
        for (var ch = 0; ch < 3; ch++)
        {
            y = Panels.Title(c, x, StageTop, $"{names[ch]} channel");
            var plane = image.Channel(ch);
            c.Image(ColorMaps.Image(plane.Pixels, plane.Height, plane.Width, 0, scale, ColorMap.Gray), x, y, w, h, framed: true);
            if (ch == 0) c.Arrow(x - StageGap + 10, y + h / 2, x - 10, y + h / 2);
            x += w + 16;
        }
        return c.Finish();
    }

    /// <summary>
    /// A kernel applied to a colour photograph: the photograph, the kernel (numbered), and the result — the kernel
    /// slid over each channel and the three summed, as a convolution layer with three input channels does.
    /// </summary>
    /// <param name="image">The photograph.</param>
    /// <param name="kernel">The kernel applied to every channel.</param>
    /// <param name="filtered">The summed result.</param>
    /// <param name="kernelName">The kernel's name.</param>
    /// <returns>The chart.</returns>
    public static PlotModel KernelOnColorImage(RgbImage image, Kernel2D kernel, GrayImage filtered, string kernelName = "kernel")
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(filtered);
        Panels.CheckFinite(filtered.Pixels, "The filtered image");
        var c = new Canvas($"Kernel on a colour photograph: {kernelName}",
            "The kernel slides over the red, green and blue channels; the three results are summed into one map (grey: smallest black, largest white)");
        const double size = 260;
        var (w, h) = (size, size * image.Height / image.Width);
        var x = 12.0;
        // The three stages are centred on one line, the arrows between them run along it.
        var resultHeight = h * filtered.Height / image.Height;
        var middle = StagesTop + new[] { h, KernelCell(kernel) * kernel.Height, resultHeight }.Max() / 2;
        var y = Panels.Title(c, x, StageTop, $"Photograph {Shape(3, image.Height, image.Width)}");
        y = Math.Max(y, middle - h / 2);
        c.Image(ColorMaps.Rgb(image.Channel(0).Pixels, image.Channel(1).Pixels, image.Channel(2).Pixels, image.Height, image.Width, 0, image.Scale), x, y, w, h, framed: true);
        x += w + StageGap;
        x = Stage(c, x, () => KernelMatrix(c, x, kernel, $"Kernel: {kernelName} {Shape(kernel.Height, kernel.Width)}", middle));
        ImageStage(c, x, $"Result {Shape(filtered.Height, filtered.Width)}", Panels.Stretched(filtered), filtered, w * filtered.Width / image.Width, resultHeight,
            arrow: true, framed: true, middle: middle);
        return c.Finish();
    }

    /// <summary>
    /// A model diagram like Keras' plot_model: one box per layer (name and type, output shape, parameters) from the
    /// input down, with arrows between.
    /// </summary>
    /// <param name="summary">The model's layers.</param>
    /// <returns>The chart: a rectangle annotation per box (the input's included) and an arrow annotation between neighbours.</returns>
    public static PlotModel ModelDiagram(ModelSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var c = new Canvas($"Model diagram: {summary.ModelName}", $"{summary.Rows.Count} layers · {Count(summary.TotalParameters)} parameters · read top to bottom");
        var boxes = new List<(string Head, string Shape, string Params)> { ("input: Input", $"output {summary.InputShape}", "") };
        boxes.AddRange(summary.Rows.Select(r => ($"{r.Name}: {r.Kind}", $"output {r.OutputShape}", r.Parameters > 0 ? $"{Count(r.Parameters)} parameters" : "no parameters")));
        var width = Math.Max(300, boxes.Max(b => Math.Max(TextWidth(b.Head, 13, true), TextWidth(b.Shape + "   " + b.Params, 12))) + 28);
        const double boxH = 50, gap = 26;
        var y = 8.0;
        for (var i = 0; i < boxes.Count; i++)
        {
            var (head, shape, pars) = boxes[i];
            var fill = i == 0 ? OxyColor.FromRgb(238, 238, 238) : OxyColor.FromRgb(227, 238, 250);
            c.Rect(12, y, width, boxH, fill, OxyColor.FromRgb(90, 120, 160), 1.2);
            c.Text(12 + width / 2, y + 7, head, ChartColors.Text, 13, true);
            c.Text(12 + width / 2, y + 28, pars.Length > 0 ? $"{shape}  ·  {pars}" : shape, ChartColors.MutedText, 12);
            if (i > 0) c.Arrow(12 + width / 2, y - gap + 2, 12 + width / 2, y - 2);
            y += boxH + gap;
        }
        return c.Finish();
    }
}
