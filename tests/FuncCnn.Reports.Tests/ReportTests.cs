using System.Diagnostics;
using FuncCnn.Reports;
using Xunit;
using Xunit.Abstractions;

namespace FuncCnn.Reports.Tests;

public class ReportTests(ITestOutputHelper output)
{
    private static readonly string[] Names =
        ["training-curves", "filters", "confusion-matrix", "predictions", "misclassified", "feature-maps", "model-summary"];

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "funccnn-report-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void WritesEveryChartAsSvgAndPngWithAnIndex()
    {
        var folder = TempFolder();
        try
        {
            var data = SampleData.Run(2_000);
            var written = Report.Write(folder, data);
            foreach (var n in Names)
            {
                Assert.True(File.Exists(Path.Combine(folder, n + ".svg")), n);
                Assert.True(File.Exists(Path.Combine(folder, n + ".png")), n);
            }
            Assert.Equal(Names.Length * 2 + 1, written.Files.Count);
            var html = File.ReadAllText(written.IndexPath);
            foreach (var n in Names) Assert.Contains($"src=\"{n}.png\"", html);
            Assert.Contains("Test accuracy", html);
            Assert.Contains("98.62% (9,862 / 10,000)", html);
            Assert.Contains("MNIST · seed CNN", html);
            Assert.Contains(written.Headlines, h => h is { Label: "Parameters", Value: "225,034" });
            Assert.Contains(written.Headlines, h => h is { Label: "Seed", Value: "42" });
            // The SVG on disk is exactly what the exporter makes.
            var chart = Report.ChartsFor(data).Single(c => c.Name == "confusion-matrix");
            Assert.Equal(SvgExporter.Export(chart.Figure), File.ReadAllText(Path.Combine(folder, "confusion-matrix.svg")));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void ChartsWithoutDataAreLeftOutAndConfusionComesFromPredictions()
    {
        var data = new ReportData("tiny", SampleData.Digits) { Predictions = SampleData.Predictions(70) };
        var charts = Report.ChartsFor(data);
        Assert.Equal(["confusion-matrix", "predictions", "misclassified"], charts.Select(c => c.Name));
        Assert.Contains(Report.Headlines(data), h => h is { Label: "Test accuracy", Value: "85.71% (60 / 70)" });
    }

    [Fact]
    public void SvgOnlyReportLinksTheSvgFiles()
    {
        var folder = TempFolder();
        try
        {
            var written = Report.Write(folder, SampleData.Run(500), new ReportOptions { WritePng = false });
            Assert.Empty(Directory.GetFiles(folder, "*.png"));
            Assert.Contains("src=\"filters.svg\"", File.ReadAllText(written.IndexPath));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void WholeReportForTheTenThousandImageTestSetTakesUnderThreeSeconds()
    {
        var data = SampleData.Run(10_000);
        var folder = TempFolder();
        try
        {
            var watch = Stopwatch.StartNew();
            Report.Write(folder, data);
            var first = watch.Elapsed;
            watch.Restart();
            Report.Write(folder, data);
            var second = watch.Elapsed;
            output.WriteLine($"Report.Write for 10,000 predictions: first {first.TotalSeconds:F2} s, again {second.TotalSeconds:F2} s");
            Assert.True(second < TimeSpan.FromSeconds(3), $"took {second.TotalSeconds:F2} s");
        }
        finally { Directory.Delete(folder, true); }
    }
}

public class ReportTimingTests(ITestOutputHelper output)
{
    [Fact]
    public void PrintsWhereTheReportTimeGoes()
    {
        var data = SampleData.Run(10_000);
        var watch = Stopwatch.StartNew();
        var charts = Report.ChartsFor(data);
        output.WriteLine($"build figures: {watch.ElapsedMilliseconds} ms");
        foreach (var c in charts)
        {
            watch.Restart();
            var svg = SvgExporter.Export(c.Figure);
            var svgMs = watch.ElapsedMilliseconds;
            watch.Restart();
            var size = FigureRenderer.Measure(c.Figure);
            var png = PngExporter.RenderSvg(svg, size.Width, size.Height, 2);
            var rgb = new byte[size.Width * 2 * size.Height * 2 * 3];
            new Random(1).NextBytes(rgb.AsSpan(0, rgb.Length / 50));
            output.WriteLine($"{c.Name}: svg {svgMs} ms ({svg.Length / 1024} KiB), png {watch.ElapsedMilliseconds} ms ({png.Length / 1024} KiB, {size.Width * 2}x{size.Height * 2})");
        }
    }
}
