using FuncCnn.Reports;
using Xunit;

namespace FuncCnn.Reports.Tests;

public class GalleryTests
{
    /// <summary>Writes every chart as SVG and PNG to $FUNCCNN_GALLERY, for looking at; a no-op when unset.</summary>
    [Fact]
    public void WritesGalleryWhenAsked()
    {
        var dir = Environment.GetEnvironmentVariable("FUNCCNN_GALLERY");
        if (string.IsNullOrEmpty(dir)) return;
        Directory.CreateDirectory(dir);
        foreach (var (name, figure) in SampleData.AllCharts())
        {
            SvgExporter.ExportToFile(figure, Path.Combine(dir, name + ".svg"));
            PngExporter.ExportToFile(figure, Path.Combine(dir, name + ".png"), 1.5);
        }
        Report.Write(Path.Combine(dir, "report"), SampleData.Run());
    }
}
