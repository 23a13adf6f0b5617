using System.Globalization;
using System.Text;
using OxyPlot;

namespace FuncCnn.Reports;

/// <summary>A headline number shown at the top of the report's index page.</summary>
/// <param name="Label">What it is (Test accuracy).</param>
/// <param name="Value">Its value as text (98.72%).</param>
public sealed record Headline(string Label, string Value);

/// <summary>Everything the charts of one training run need, as plain values. Parts left empty are skipped.</summary>
/// <param name="Title">The run's title (MNIST, seed CNN, 3 epochs).</param>
/// <param name="ClassNames">Class names, indexed by label.</param>
public sealed record ReportData(string Title, IReadOnlyList<string> ClassNames)
{
    /// <summary>Metrics per epoch, for the training curves.</summary>
    public IReadOnlyList<EpochMetrics> History { get; init; } = [];

    /// <summary>The first convolution's weights, for the filter grid, or null.</summary>
    public FilterBank? FirstConvFilters { get; init; }

    /// <summary>The test confusion counts, or null to count them from <see cref="Predictions"/>.</summary>
    public ConfusionCounts? Confusion { get; init; }

    /// <summary>Test predictions in test-set order (all of them, or a prefix); feeds the prediction grid and the errors.</summary>
    public IReadOnlyList<Prediction> Predictions { get; init; } = [];

    /// <summary>Feature maps of one test image, or null.</summary>
    public FeatureMapSet? FeatureMaps { get; init; }

    /// <summary>The model's layers, or null.</summary>
    public ModelSummary? Summary { get; init; }

    /// <summary>The mean test loss, or null.</summary>
    public double? TestLoss { get; init; }

    /// <summary>How many training images each class has, for the class histogram, or null.</summary>
    public IReadOnlyList<int>? ClassCounts { get; init; }

    /// <summary>A few training images and their labels, for the dataset preview, or null.</summary>
    public DatasetSample? DatasetPreview { get; init; }

    /// <summary>Predictions on training images, for the training prediction grid (empty to leave it out).</summary>
    public IReadOnlyList<Prediction> TrainingPredictions { get; init; } = [];

    /// <summary>More headline numbers, shown after the ones the report derives (seed, device, batch size).</summary>
    public IReadOnlyList<Headline> Headlines { get; init; } = [];
}

/// <summary>The file formats a report is written in.</summary>
[Flags]
public enum ReportFormats
{
    /// <summary>Nothing but index.html.</summary>
    None = 0,
    /// <summary>One SVG per chart.</summary>
    Svg = 1,
    /// <summary>One PNG per chart.</summary>
    Png = 2,
    /// <summary>One report.pdf with every chart on its own page.</summary>
    Pdf = 4,
    /// <summary>SVG, PNG and PDF.</summary>
    All = Svg | Png | Pdf,
}

/// <summary>Choices for <see cref="Report.Write"/>.</summary>
public sealed record ReportOptions
{
    /// <summary>The formats to write (all three by default).</summary>
    public ReportFormats Formats { get; init; } = ReportFormats.All;

    /// <summary>PNG pixels per chart pixel.</summary>
    public double PngScale { get; init; } = 2;

    /// <summary>How many predictions the prediction grid shows.</summary>
    public int PredictionCount { get; init; } = 32;

    /// <summary>How many errors the misclassified grid shows.</summary>
    public int MisclassifiedCount { get; init; } = 24;

    /// <summary>How the filter grid scales weights to grey levels.</summary>
    public FilterNormalization FilterNormalization { get; init; } = FilterNormalization.Together;

    /// <summary>Colour the confusion matrix by the share of each true class rather than by count.</summary>
    public bool NormalizeConfusionRows { get; init; }
}

/// <summary>One chart of a report with the file name it is written under.</summary>
/// <param name="Name">The file name without extension (confusion-matrix).</param>
/// <param name="Caption">A sentence saying what the chart shows, for the index page.</param>
/// <param name="Model">The chart.</param>
public sealed record ReportChart(string Name, string Caption, PlotModel Model);

/// <summary>What <see cref="Report.Write"/> wrote.</summary>
/// <param name="IndexPath">The index.html file.</param>
/// <param name="Files">Every file written, index included.</param>
/// <param name="Headlines">The headline numbers shown on the index page.</param>
/// <param name="Charts">The charts, in report order.</param>
public sealed record WrittenReport(string IndexPath, IReadOnlyList<string> Files, IReadOnlyList<Headline> Headlines, IReadOnlyList<ReportChart> Charts)
{
    /// <summary>The PDF with every chart, or null when PDF was not asked for.</summary>
    public string? PdfPath => Files.FirstOrDefault(f => f.EndsWith(".pdf", StringComparison.Ordinal));
}

/// <summary>Writes the charts of a training run as SVG, PNG and one PDF, with an index.html that shows them.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The headline numbers derived from a run's data, followed by <see cref="ReportData.Headlines"/>.</summary>
    /// <param name="data">The run's data.</param>
    /// <returns>Label and value pairs.</returns>
    public static IReadOnlyList<Headline> Headlines(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var list = new List<Headline>();
        var confusion = ConfusionOf(data);
        if (confusion is not null && confusion.Total > 0)
            list.Add(new Headline("Test accuracy", $"{Style.Percent(confusion.Accuracy)} ({Style.Count(confusion.Correct)} / {Style.Count(confusion.Total)})"));
        if (data.TestLoss is { } tl) list.Add(new Headline("Test loss", tl.ToString("0.0000", Inv)));
        if (data.History.Count > 0)
        {
            var last = data.History[^1];
            list.Add(new Headline("Epochs", data.History.Count.ToString(Inv)));
            list.Add(new Headline("Final training loss", last.TrainLoss.ToString("0.0000", Inv)));
            list.Add(new Headline("Final training accuracy", Style.Percent(last.TrainAccuracy)));
            if (last.ValAccuracy is { } va) list.Add(new Headline("Final validation accuracy", Style.Percent(va)));
            list.Add(new Headline("Training time", data.History.Sum(h => h.Seconds).ToString("0.0", Inv) + " s"));
        }
        if (data.Summary is not null) list.Add(new Headline("Parameters", Style.Count(data.Summary.TotalParameters)));
        list.AddRange(data.Headlines);
        return list;
    }

    private static ConfusionCounts? ConfusionOf(ReportData data) =>
        data.Confusion ?? (data.Predictions.Count > 0 && data.ClassNames.Count > 0 ? ConfusionCounts.FromPredictions(data.Predictions, data.ClassNames) : null);

    /// <summary>
    /// The charts that apply to a run, in report order: curves, dataset preview, class histogram, filters,
    /// confusion matrix, predictions (test, then training), errors, feature maps, model diagram, summary.
    /// </summary>
    /// <param name="data">The run's data.</param>
    /// <param name="options">Choices, or null for the defaults.</param>
    /// <returns>The charts; those whose data is missing are left out.</returns>
    /// <exception cref="InvalidValueException">When the run has no classes.</exception>
    public static IReadOnlyList<ReportChart> ChartsFor(ReportData data, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new ReportOptions();
        if (data.ClassNames.Count == 0) throw new InvalidValueException("The report's data names no classes; a classification report needs at least one.");
        var list = new List<ReportChart>();
        if (data.History.Count > 0)
            list.Add(new("training-curves", "Loss and accuracy per epoch, training against validation.", Charts.TrainingCurves(data.History)));
        if (data.DatasetPreview is not null)
            list.Add(new("dataset-preview", "Training images, a row per class.", Charts.DatasetPreview(data.DatasetPreview, data.ClassNames)));
        if (data.ClassCounts is not null)
            list.Add(new("class-histogram", "How many training images each class has.", Charts.ClassHistogram(data.ClassNames, data.ClassCounts, "Training images per class")));
        if (data.FirstConvFilters is not null)
            list.Add(new("filters", $"The learned kernels of {data.FirstConvFilters.LayerName}.", Charts.Filters(data.FirstConvFilters, null, options.FilterNormalization)));
        var confusion = ConfusionOf(data);
        if (confusion is not null)
            list.Add(new("confusion-matrix", "Test predictions counted by true class (rows) and predicted class (columns).", Charts.ConfusionMatrix(confusion, options.NormalizeConfusionRows)));
        if (data.Predictions.Count > 0)
            list.Add(new("predictions", $"The first {Math.Min(options.PredictionCount, data.Predictions.Count)} test images with the model's answers.",
                Charts.PredictionGrid(data.Predictions, data.ClassNames, options.PredictionCount)));
        if (data.TrainingPredictions.Count > 0)
            list.Add(new("training-predictions", "Training images with the model's answers.",
                Charts.PredictionGrid(data.TrainingPredictions, data.ClassNames, options.PredictionCount, title: "Predictions on training images")));
        if (data.Predictions.Count > 0)
            list.Add(new("misclassified", "The first test images the model got wrong.",
                Charts.Misclassified(data.Predictions, data.ClassNames, options.MisclassifiedCount)));
        if (data.FeatureMaps is not null)
            list.Add(new("feature-maps", "What each convolution and pooling layer makes of one test image.", Charts.FeatureMaps(data.FeatureMaps)));
        if (data.Summary is not null)
        {
            list.Add(new("model-diagram", "The layers as boxes, with output shapes and parameters.", Charts.ModelDiagram(data.Summary)));
            list.Add(new("model-summary", "The model's layers, output shapes and parameters.", Charts.Summary(data.Summary)));
        }
        return list;
    }

    /// <summary>
    /// Writes every chart that applies to the run as SVG and PNG, one report.pdf with a page per chart, and an
    /// index.html that shows them under the headline numbers. Everything is written into a temporary folder
    /// beside <paramref name="folder"/> and moved into place at the end, so a failure never leaves a
    /// half-written report; an existing report folder is replaced.
    /// </summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="data">The run's data.</param>
    /// <param name="options">Choices, or null for the defaults.</param>
    /// <returns>The files written, the headline numbers and the charts.</returns>
    /// <exception cref="IOException">When the folder cannot be written (the message names it).</exception>
    /// <exception cref="InvalidValueException">When the data cannot be charted (no classes, NaN in a feature map, ...).</exception>
    public static WrittenReport Write(string folder, ReportData data, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new ReportOptions();
        var target = Path.GetFullPath(folder);
        var charts = ChartsFor(data, options);
        var formats = options.Formats;
        var svgs = new byte[charts.Count][];
        var pngs = new byte[charts.Count][];
        byte[]? pdf = null;
        // Each chart is drawn by one thread at a time (a PlotModel is not thread-safe); the PDF runs beside the PNGs.
        var pdfTask = (formats & ReportFormats.Pdf) != 0 ? Task.Run(() => pdf = ChartExport.ToPdf(charts.Select(c => c.Model))) : Task.CompletedTask;
        Parallel.For(0, charts.Count, i =>
        {
            if ((formats & ReportFormats.Svg) != 0) svgs[i] = Encoding.UTF8.GetBytes(ChartExport.ToSvg(charts[i].Model));
            if ((formats & ReportFormats.Png) != 0) pngs[i] = ChartExport.ToPng(charts[i].Model, options.PngScale);
        });
        pdfTask.GetAwaiter().GetResult();
        var headlines = Headlines(data);
        var sizes = charts.Select(c => ChartExport.SizeOf(c.Model)).ToArray();
        var index = Encoding.UTF8.GetBytes(IndexHtml(data.Title, headlines, charts, sizes, formats));

        var parent = Path.GetDirectoryName(target) ?? throw new IOException($"Cannot write a report to the root folder {target}.");
        var temp = Path.Combine(parent, $".{Path.GetFileName(target)}.writing-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var files = new List<string>();
        try
        {
            Directory.CreateDirectory(temp);
            void Put(string name, byte[] bytes) { File.WriteAllBytes(Path.Combine(temp, name), bytes); files.Add(Path.Combine(target, name)); }
            for (var i = 0; i < charts.Count; i++)
            {
                if (svgs[i] is { } svg) Put(charts[i].Name + ".svg", svg);
                if (pngs[i] is { } png) Put(charts[i].Name + ".png", png);
            }
            if (pdf is not null) Put("report.pdf", pdf);
            Put("index.html", index);
            MoveIntoPlace(temp, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"Cannot write the report to {target}: {e.Message}", e);
        }
        return new WrittenReport(Path.Combine(target, "index.html"), files, headlines, charts);
    }

    private static void MoveIntoPlace(string temp, string target)
    {
        if (File.Exists(target)) throw new IOException($"{target} is a file, not a folder.");
        if (!Directory.Exists(target))
        {
            Directory.Move(temp, target);
            return;
        }
        var old = temp + ".old";
        Directory.Move(target, old);
        try { Directory.Move(temp, target); }
        catch { Directory.Move(old, target); throw; }
        TryDelete(old);
    }

    private static void TryDelete(string folder)
    {
        try { if (Directory.Exists(folder)) Directory.Delete(folder, true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string IndexHtml(string title, IReadOnlyList<Headline> headlines, IReadOnlyList<ReportChart> charts, (double Width, double Height)[] sizes, ReportFormats formats)
    {
        // Only the five markup characters are escaped; everything else stays readable UTF-8.
        static string H(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");
        var png = (formats & ReportFormats.Png) != 0;
        var svg = (formats & ReportFormats.Svg) != 0;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(H(title)).Append("</title>\n");
        sb.Append("<style>\n")
          .Append("body{font-family:'DejaVu Sans',Arial,sans-serif;color:#222;margin:24px auto;max-width:1280px;padding:0 16px;}\n")
          .Append("h1{font-size:24px;margin:0 0 16px}\n")
          .Append(".headlines{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 28px;padding:0;list-style:none}\n")
          .Append(".headlines li{background:#f3f5f8;border:1px solid #dde2ea;border-radius:6px;padding:10px 14px;min-width:150px}\n")
          .Append(".headlines .label{display:block;font-size:12px;color:#555}\n")
          .Append(".headlines .value{display:block;font-size:20px;font-weight:bold;margin-top:4px}\n")
          .Append("figure{margin:0 0 36px}\nfigure img{max-width:100%;height:auto;border:1px solid #eee}\n")
          .Append("figcaption{font-size:14px;color:#444;margin-top:6px}\n")
          .Append("</style>\n</head>\n<body>\n");
        sb.Append("<h1>").Append(H(title)).Append("</h1>\n<ul class=\"headlines\">\n");
        foreach (var h in headlines)
            sb.Append("<li><span class=\"label\">").Append(H(h.Label)).Append("</span><span class=\"value\">").Append(H(h.Value)).Append("</span></li>\n");
        sb.Append("</ul>\n");
        if ((formats & ReportFormats.Pdf) != 0) sb.Append("<p>All charts in one document: <a href=\"report.pdf\">report.pdf</a></p>\n");
        for (var i = 0; i < charts.Count; i++)
        {
            var c = charts[i];
            sb.Append("<figure id=\"").Append(H(c.Name)).Append("\">\n");
            if (png || svg)
            {
                var src = c.Name + (png ? ".png" : ".svg");
                sb.Append("<img src=\"").Append(H(src)).Append("\" width=\"").Append(Math.Ceiling(sizes[i].Width).ToString(Inv))
                  .Append("\" height=\"").Append(Math.Ceiling(sizes[i].Height).ToString(Inv)).Append("\" alt=\"").Append(H(c.Model.Title ?? c.Name)).Append("\">\n");
            }
            sb.Append("<figcaption>").Append(H(c.Caption));
            if (svg) sb.Append(" <a href=\"").Append(H(c.Name)).Append(".svg\">SVG</a>");
            if (png) sb.Append(" · <a href=\"").Append(H(c.Name)).Append(".png\">PNG</a>");
            sb.Append("</figcaption>\n</figure>\n");
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }
}
