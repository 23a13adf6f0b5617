using System.Text.RegularExpressions;
using Xunit;
using static FuncCnn.Reports.Tests.TestUtil;

namespace FuncCnn.Reports.Tests;

public class GalleryTests
{
    private static string GalleryFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var g = Path.Combine(dir.FullName, "docs", "gallery");
            if (File.Exists(Path.Combine(g, "README.md"))) return g;
        }
        throw new DirectoryNotFoundException("docs/gallery/README.md not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The committed gallery: every PNG the README shows exists, decodes and is not blank; every PNG there is shown.</summary>
    [Fact]
    public void GalleryReadmeShowsEveryChartAndEveryChartIsARealPicture()
    {
        var folder = GalleryFolder();
        var readme = File.ReadAllText(Path.Combine(folder, "README.md"));
        var shown = Regex.Matches(readme, @"!\[[^\]]*\]\(([^)]+\.png)\)").Select(m => m.Groups[1].Value).ToHashSet();
        var files = Directory.GetFiles(folder, "*.png").Select(Path.GetFileName).ToHashSet();
        Assert.True(shown.Count >= 20, $"the README shows {shown.Count} charts");
        Assert.Equal(files.Order(), shown.Order()!);
        foreach (var name in shown)
        {
            using var bmp = Decode(File.ReadAllBytes(Path.Combine(folder, name)));
            Assert.True(bmp.Width > 300 && bmp.Height > 150, $"{name} is {bmp.Width}x{bmp.Height}");
            var colours = new HashSet<uint>();
            for (var y = 0; y < bmp.Height; y += 7) for (var x = 0; x < bmp.Width; x += 7) colours.Add((uint)bmp.GetPixel(x, y));
            Assert.True(colours.Count > 8, $"{name} has {colours.Count} colours: blank?");
            Assert.True(File.Exists(Path.Combine(folder, Path.ChangeExtension(name, ".svg"))), $"{name} has no SVG beside it");
        }
        Assert.True(File.Exists(Path.Combine(folder, "gallery.pdf")));
    }

    /// <summary>Writes every sample chart to $FUNCCNN_GALLERY for looking at; without it, to a temporary folder that is checked and removed.</summary>
    [Fact]
    public void WritesEverySampleChart()
    {
        var asked = Environment.GetEnvironmentVariable("FUNCCNN_GALLERY");
        var dir = string.IsNullOrEmpty(asked) ? Path.Combine(Path.GetTempPath(), "funccnn-gallery-" + Guid.NewGuid().ToString("N")) : asked;
        try
        {
            var charts = SampleData.AllCharts();
            foreach (var (name, model) in charts)
            {
                ChartExport.WritePng(model, Path.Combine(dir, name + ".png"), 1.5);
                ChartExport.WriteSvg(model, Path.Combine(dir, name + ".svg"));
            }
            Assert.Equal(charts.Count, Directory.GetFiles(dir, "*.png").Length);
            Assert.Equal(charts.Count, Directory.GetFiles(dir, "*.svg").Length);
        }
        finally { if (string.IsNullOrEmpty(asked) && Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
