using System.Diagnostics;
using FuncCnn.Reports;
using Xunit;
using Xunit.Abstractions;

namespace FuncCnn.Reports.Tests;

public class ReportTests
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
    public void WholeReportForTheTenThousandImageTestSetIsWritten()
    {
        // Its speed (target: under 3 s) is measured by the benchmark harness, not here.
        var data = SampleData.Run(10_000);
        var folder = TempFolder();
        try
        {
            var written = Report.Write(folder, data);
            Assert.True(File.Exists(written.IndexPath));
            foreach (var svg in Directory.GetFiles(folder, "*.svg"))
                Assert.True(File.Exists(Path.ChangeExtension(svg, ".png")), $"{svg} has no PNG beside it");
            Assert.Contains("confusion", string.Join(" ", Directory.GetFiles(folder).Select(Path.GetFileName)));
        }
        finally { Directory.Delete(folder, true); }
    }
}

