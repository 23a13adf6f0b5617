using System.Globalization;
using System.Text;

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

    /// <summary>More headline numbers, shown after the ones the report derives (seed, device, batch size).</summary>
    public IReadOnlyList<Headline> Headlines { get; init; } = [];
}

/// <summary>Choices for <see cref="Report.Write"/>.</summary>
public sealed record ReportOptions
{
    /// <summary>Write a PNG beside each SVG (needs librsvg and cairo; see <see cref="PngExporter"/>).</summary>
    public bool WritePng { get; init; } = true;

    /// <summary>PNG pixels per SVG pixel.</summary>
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
/// <param name="Figure">The chart.</param>
public sealed record ReportChart(string Name, string Caption, Figure Figure);

/// <summary>What <see cref="Report.Write"/> wrote.</summary>
/// <param name="IndexPath">The index.html file.</param>
/// <param name="Files">Every file written, index included, in the order written.</param>
/// <param name="Headlines">The headline numbers shown on the index page.</param>
public sealed record WrittenReport(string IndexPath, IReadOnlyList<string> Files, IReadOnlyList<Headline> Headlines);

/// <summary>Writes the charts of a training run as SVG and PNG with an index.html that shows them.</summary>
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
            list.Add(new Headline("Test accuracy", $"{Charts.Percent(confusion.Accuracy)} ({Charts.Count(confusion.Correct)} / {Charts.Count(confusion.Total)})"));
        if (data.TestLoss is { } tl) list.Add(new Headline("Test loss", tl.ToString("0.0000", Inv)));
        if (data.History.Count > 0)
        {
            var last = data.History[^1];
            list.Add(new Headline("Epochs", data.History.Count.ToString(Inv)));
            list.Add(new Headline("Final training loss", last.TrainLoss.ToString("0.0000", Inv)));
            list.Add(new Headline("Final training accuracy", Charts.Percent(last.TrainAccuracy)));
            if (last.ValAccuracy is { } va) list.Add(new Headline("Final validation accuracy", Charts.Percent(va)));
            list.Add(new Headline("Training time", data.History.Sum(h => h.Seconds).ToString("0.0", Inv) + " s"));
        }
        if (data.Summary is not null) list.Add(new Headline("Parameters", Charts.Count(data.Summary.TotalParameters)));
        list.AddRange(data.Headlines);
        return list;
    }

    private static ConfusionCounts? ConfusionOf(ReportData data) =>
        data.Confusion ?? (data.Predictions.Count > 0 && data.ClassNames.Count > 0 ? ConfusionCounts.FromPredictions(data.Predictions, data.ClassNames) : null);

    /// <summary>The charts that apply to a run, in report order: curves, filters, confusion matrix, predictions, errors, feature maps, summary.</summary>
    /// <param name="data">The run's data.</param>
    /// <param name="options">Choices, or null for the defaults.</param>
    /// <returns>The charts; those whose data is missing are left out.</returns>
    public static IReadOnlyList<ReportChart> ChartsFor(ReportData data, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new ReportOptions();
        var list = new List<ReportChart>();
        if (data.History.Count > 0)
            list.Add(new("training-curves", "Loss and accuracy per epoch, training against validation.", Charts.TrainingCurves(data.History)));
        if (data.FirstConvFilters is not null)
            list.Add(new("filters", $"The learned kernels of {data.FirstConvFilters.LayerName}.", Charts.Filters(data.FirstConvFilters, 0, options.FilterNormalization)));
        var confusion = ConfusionOf(data);
        if (confusion is not null)
            list.Add(new("confusion-matrix", "Test predictions counted by true class (rows) and predicted class (columns).", Charts.ConfusionMatrix(confusion, options.NormalizeConfusionRows)));
        if (data.Predictions.Count > 0)
        {
            list.Add(new("predictions", $"The first {Math.Min(options.PredictionCount, data.Predictions.Count)} test images with the model's answers.",
                Charts.PredictionGrid(data.Predictions, data.ClassNames, options.PredictionCount)));
            list.Add(new("misclassified", "The first test images the model got wrong.",
                Charts.Misclassified(data.Predictions, data.ClassNames, options.MisclassifiedCount)));
        }
        if (data.FeatureMaps is not null)
            list.Add(new("feature-maps", "What each convolution and pooling layer makes of one test image.", Charts.FeatureMaps(data.FeatureMaps)));
        if (data.Summary is not null)
            list.Add(new("model-summary", "The model's layers, output shapes and parameters.", Charts.Summary(data.Summary)));
        return list;
    }

    /// <summary>
    /// Writes every chart that applies to the run as SVG (and PNG unless turned off) into a folder, plus an
    /// index.html that shows them under the headline numbers. The folder is created if needed; files of the
    /// same names are replaced.
    /// </summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="data">The run's data.</param>
    /// <param name="options">Choices, or null for the defaults.</param>
    /// <returns>The files written and the headline numbers.</returns>
    /// <exception cref="PngRendererUnavailableException">When PNGs are asked for and librsvg or cairo is missing (before anything is written).</exception>
    public static WrittenReport Write(string folder, ReportData data, ReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new ReportOptions();
        if (options.WritePng && !PngExporter.IsAvailable)
            PngExporter.RenderSvg("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>", 1, 1); // throws the explanatory exception
        Directory.CreateDirectory(folder);
        var charts = ChartsFor(data, options);
        var svgs = new string[charts.Count];
        var sizes = new FigureSize[charts.Count];
        Parallel.For(0, charts.Count, i =>
        {
            sizes[i] = FigureRenderer.Measure(charts[i].Figure);
            svgs[i] = SvgExporter.Export(charts[i].Figure);
        });
        // librsvg renders one document at a time; PNG encoding of one chart overlaps the rendering of the next.
        var pngs = new byte[charts.Count][];
        if (options.WritePng)
            Parallel.For(0, charts.Count, i => pngs[i] = PngExporter.RenderSvg(svgs[i], sizes[i].Width, sizes[i].Height, options.PngScale));
        var files = new List<string>();
        var utf8 = new UTF8Encoding(false);
        for (var i = 0; i < charts.Count; i++)
        {
            var svgPath = Path.Combine(folder, charts[i].Name + ".svg");
            File.WriteAllText(svgPath, svgs[i], utf8);
            files.Add(svgPath);
            if (options.WritePng)
            {
                var pngPath = Path.Combine(folder, charts[i].Name + ".png");
                File.WriteAllBytes(pngPath, pngs[i]);
                files.Add(pngPath);
            }
        }
        var headlines = Headlines(data);
        var index = Path.Combine(folder, "index.html");
        File.WriteAllText(index, IndexHtml(data.Title, headlines, charts, sizes, options.WritePng), utf8);
        files.Add(index);
        return new WrittenReport(index, files, headlines);
    }

    private static string IndexHtml(string title, IReadOnlyList<Headline> headlines, IReadOnlyList<ReportChart> charts, FigureSize[] sizes, bool png)
    {
        // Only the five markup characters are escaped; everything else stays readable UTF-8.
        static string H(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&#39;");
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
        for (var i = 0; i < charts.Count; i++)
        {
            var c = charts[i];
            var src = c.Name + (png ? ".png" : ".svg");
            sb.Append("<figure id=\"").Append(H(c.Name)).Append("\">\n<a href=\"").Append(H(c.Name)).Append(".svg\"><img src=\"").Append(H(src))
              .Append("\" width=\"").Append(sizes[i].Width.ToString(Inv)).Append("\" height=\"").Append(sizes[i].Height.ToString(Inv))
              .Append("\" alt=\"").Append(H(c.Figure.Title)).Append("\"></a>\n<figcaption>").Append(H(c.Caption))
              .Append(" <a href=\"").Append(H(c.Name)).Append(".svg\">SVG</a>");
            if (png) sb.Append(" · <a href=\"").Append(H(c.Name)).Append(".png\">PNG</a>");
            sb.Append("</figcaption>\n</figure>\n");
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }
}
