using OxyPlot;
using Xunit;
using static FuncCnn.Reports.Tests.TestUtil;

namespace FuncCnn.Reports.Tests;

public class ReportTests
{
    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "funccnn-report-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void ReportHoldsEveryChartInEveryFormatWithTheRightContent()
    {
        var dir = TempFolder();
        try
        {
            var data = SampleData.Run(2000);
            var written = Report.Write(dir, data);
            string[] expected = ["training-curves", "class-histogram", "filters", "confusion-matrix", "predictions", "misclassified", "feature-maps", "model-diagram", "model-summary"];
            Assert.Equal(expected, written.Charts.Select(c => c.Name));
            var index = File.ReadAllText(written.IndexPath);
            foreach (var name in expected)
            {
                Assert.Contains($"src=\"{name}.png\"", index);
                using var png = Decode(File.ReadAllBytes(Path.Combine(dir, name + ".png")));
                var (w, h) = ChartExport.SizeOf(written.Charts.Single(c => c.Name == name).Model);
                Assert.Equal((int)Math.Ceiling(w * 2), png.Width);
                Assert.Equal((int)Math.Ceiling(h * 2), png.Height);
                Assert.Equal("svg", System.Xml.Linq.XDocument.Load(Path.Combine(dir, name + ".svg")).Root!.Name.LocalName);
            }
            Assert.Equal(expected.Length, PdfPages(File.ReadAllBytes(written.PdfPath!)));
            var confusion = data.Confusion!;
            Assert.Contains($"{confusion.Accuracy * 100:F2}%", index);
            Assert.Contains("<span class=\"label\">Seed</span><span class=\"value\">42</span>", index);
            Assert.Contains("report.pdf", index);
            Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(dir)!, Path.GetFileName(dir) + ".writing-*"));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void AnOldReportIsReplacedAsAWhole()
    {
        var dir = TempFolder();
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "stale.png"), "old");
            Report.Write(dir, SampleData.Run(100), new ReportOptions { Formats = ReportFormats.Svg });
            Assert.False(File.Exists(Path.Combine(dir, "stale.png")));
            Assert.True(File.Exists(Path.Combine(dir, "confusion-matrix.svg")));
            Assert.False(File.Exists(Path.Combine(dir, "confusion-matrix.png")));
            Assert.False(File.Exists(Path.Combine(dir, "report.pdf")));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadDataLeavesNoHalfWrittenReport()
    {
        var dir = TempFolder();
        var data = SampleData.Run(100);
        var layer = data.FeatureMaps!.Layers[0];
        var values = layer.Values.ToArray();
        values[3] = float.PositiveInfinity;
        var bad = data with { FeatureMaps = data.FeatureMaps with { Layers = [new FeatureMapLayer(layer.Name, values, layer.Channels, layer.Height, layer.Width)] } };
        var e = Assert.Throws<InvalidValueException>(() => Report.Write(dir, bad));
        Assert.Contains(layer.Name, e.Message);
        Assert.False(Directory.Exists(dir));
        Assert.Empty(Directory.GetDirectories(Path.GetTempPath(), "." + Path.GetFileName(dir) + "*"));
    }

    [Fact]
    public void NoClassesIsAnInvalidValue()
    {
        Assert.Throws<InvalidValueException>(() => Report.ChartsFor(new ReportData("empty", [])));
    }

    [Fact]
    public void AnUnwritableFolderIsNamed()
    {
        var file = Path.GetTempFileName();
        try
        {
            var target = Path.Combine(file, "report");
            var e = Assert.Throws<IOException>(() => Report.Write(target, SampleData.Run(50), new ReportOptions { Formats = ReportFormats.Svg }));
            Assert.Contains(target, e.Message);
        }
        finally { File.Delete(file); }
    }
}
