using OxyPlot;
using OxyPlot.Axes;
using Xunit;
using static FuncCnn.Reports.Tests.TestUtil;

namespace FuncCnn.Reports.Tests;

public class ExportTests
{
    [Fact]
    public void PngOfAWrongPredictionHasRedCaptionPixelsAndOfRightOnesNone()
    {
        var preds = SampleData.Predictions(14);
        using var mixed = Decode(ChartExport.ToPng(Charts.PredictionGrid(preds, SampleData.Digits), 1));
        Assert.True(Count(mixed, ChartColors.Wrong, 30) > 20);
        Assert.True(Count(mixed, ChartColors.Right, 30) > 20);
        using var allRight = Decode(ChartExport.ToPng(Charts.PredictionGrid(preds.Where(p => p.IsCorrect).ToArray(), SampleData.Digits), 1));
        Assert.Equal(0, Count(allRight, ChartColors.Wrong, 30));
    }

    [Fact]
    public void PngIsTheChartsSizeTimesTheScale()
    {
        var m = Charts.Summary(SampleData.SeedCnn());
        var (w, h) = ChartExport.SizeOf(m);
        using var bmp = Decode(ChartExport.ToPng(m, 2));
        Assert.Equal((int)Math.Ceiling(w * 2), bmp.Width);
        Assert.Equal((int)Math.Ceiling(h * 2), bmp.Height);
    }

    [Fact]
    public void DarkestConfusionCellIsTheLargestCount()
    {
        var counts = ConfusionCounts.FromRows(SampleData.ConfusionRows, SampleData.Digits);
        var m = Charts.ConfusionMatrix(counts);
        using var bmp = Decode(ChartExport.ToPng(m, 1));
        var x = m.Axes.Single(a => a.Key == "predicted");
        var y = m.Axes.Single(a => a.Key == "true");
        // Sample each cell off-centre (away from its number) and find the darkest.
        var darkest = (T: -1, P: -1, L: double.MaxValue);
        for (var t = 0; t < 10; t++)
            for (var p = 0; p < 10; p++)
            {
                var px = x.Transform(p + 0.35);
                var py = y.Transform(t + 0.35);
                var c = bmp.GetPixel((int)px, (int)py);
                var l = 0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue;
                if (l < darkest.L) darkest = (t, p, l);
            }
        var max = (T: 0, P: 0);
        for (var t = 0; t < 10; t++) for (var p = 0; p < 10; p++) if (counts.Counts[t, p] > counts.Counts[max.T, max.P]) max = (t, p);
        Assert.Equal(max, (darkest.T, darkest.P));
    }

    [Fact]
    public void DigitsAreDrawnAsSharpBlocksNotSmoothed()
    {
        // A 2x2 checkerboard drawn 56 pixels wide: every pixel is black or white, none grey.
        var board = new GrayImage([0, 1, 1, 0], 2, 2);
        var m = Charts.PredictionGrid([new Prediction(board, 0, 0, 0.9)], ["a"], count: 1);
        var image = Images(m).Single();
        using var bmp = Decode(ChartExport.ToPng(m, 1));
        var (w, h) = ChartExport.SizeOf(m);
        var dataX = m.Axes.Single(a => a.Key == "x");
        var dataY = m.Axes.Single(a => a.Key == "y");
        int x0 = (int)Math.Ceiling(dataX.Transform(image.X.Value)) + 2, x1 = (int)dataX.Transform(image.X.Value + image.Width.Value) - 2;
        int y0 = (int)Math.Ceiling(dataY.Transform(image.Y.Value)) + 2;
        var greys = 0;
        for (var x = x0; x < x1; x++)
        {
            var c = bmp.GetPixel(x, y0 + 3);
            if (c.Red > 30 && c.Red < 225) greys++;
        }
        Assert.True(greys <= 2, $"{greys} grey pixels along a row of a 2x2 checkerboard");
    }

    [Fact]
    public void SvgIsAnSvgDocumentWithTheTitle()
    {
        var svg = ChartExport.ToSvg(Charts.ClassHistogram(SampleData.QuickDraw, SampleData.QuickDrawCounts, "Drawings per category"));
        var doc = System.Xml.Linq.XDocument.Parse(svg);
        Assert.Equal("svg", doc.Root!.Name.LocalName);
        Assert.Contains("Drawings per category", svg);
        Assert.Contains("smiley face", svg);
    }

    [Fact]
    public void PdfHasAPagePerChart()
    {
        var charts = SampleData.AllCharts().Take(5).Select(c => c.Model).ToArray();
        var pdf = ChartExport.ToPdf(charts);
        Assert.StartsWith("%PDF", System.Text.Encoding.ASCII.GetString(pdf, 0, 4));
        Assert.Equal(5, PdfPages(pdf));
    }

    [Fact]
    public void WritingToAnUnwritablePathNamesIt()
    {
        var file = Path.GetTempFileName();
        try
        {
            var target = Path.Combine(file, "chart.png");
            var e = Assert.Throws<IOException>(() => ChartExport.WritePng(Charts.ModelDiagram(SampleData.SeedCnn()), target));
            Assert.Contains(target, e.Message);
        }
        finally { File.Delete(file); }
    }
}
