using System.Text.RegularExpressions;
using System.Xml.Linq;
using FuncCnn.Reports;
using Xunit;

namespace FuncCnn.Reports.Tests;

public class SvgExporterTests
{
    public static TheoryData<string> ChartNames()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in SampleData.AllCharts()) data.Add(name);
        return data;
    }

    private static Figure Chart(string name) => SampleData.AllCharts().Single(c => c.Name == name).Figure;

    [Theory]
    [MemberData(nameof(ChartNames))]
    public void EveryChartIsAnSvg11DocumentOfItsMeasuredSize(string name)
    {
        var figure = Chart(name);
        var doc = Svg.Parse(figure);
        var root = doc.Root!;
        Assert.Equal(Svg.Ns + "svg", root.Name);
        Assert.Equal("1.1", (string?)root.Attribute("version"));
        var size = FigureRenderer.Measure(figure);
        Assert.Equal(size.Width.ToString(), (string?)root.Attribute("width"));
        Assert.Equal(size.Height.ToString(), (string?)root.Attribute("height"));
        Assert.Equal($"0 0 {size.Width} {size.Height}", (string?)root.Attribute("viewBox"));
        Assert.Equal(figure.Title, root.Element(Svg.Ns + "title")!.Value);
    }

    [Theory]
    [MemberData(nameof(ChartNames))]
    public void SameInputGivesSameBytes(string name)
    {
        var first = SvgExporter.Export(Chart(name));   // inputs rebuilt from scratch each time
        var second = SvgExporter.Export(Chart(name));
        Assert.Equal(first, second);
    }

    [Theory]
    [MemberData(nameof(ChartNames))]
    public void NumbersAreInvariantAndShort(string name)
    {
        var doc = Svg.Parse(Chart(name));
        var number = new Regex(@"^-?\d+(\.\d{1,2})?$");
        foreach (var e in doc.Descendants())
            foreach (var a in new[] { "x", "y", "dy", "width", "height", "font-size", "cx", "cy", "r", "stroke-width" })
                if (e.Attribute(a) is { } attr && !attr.Value.EndsWith('%'))
                    Assert.Matches(number, attr.Value);
    }

    [Theory]
    [MemberData(nameof(ChartNames))]
    public void TextStaysInsideTheFigureAndDoesNotOverlap(string name)
    {
        var doc = Svg.Parse(Chart(name));
        var (w, h) = (Svg.D(doc.Root!, "width"), Svg.D(doc.Root!, "height"));
        var boxes = doc.Descendants(Svg.Ns + "text").Where(t => t.Attribute("transform") is null)
            .Select(t => (Text: t.Value, Box: Svg.TextBox(t))).ToArray();
        foreach (var (text, b) in boxes)
            Assert.True(b.X0 >= 0 && b.Y0 >= 0 && b.X1 <= w && b.Y1 <= h, $"'{text}' at {b} leaves the {w}x{h} figure");
        for (var i = 0; i < boxes.Length; i++)
            for (var j = i + 1; j < boxes.Length; j++)
            {
                var (a, b) = (boxes[i].Box, boxes[j].Box);
                var overlap = Math.Min(a.X1, b.X1) - Math.Max(a.X0, b.X0) > 1 && Math.Min(a.Y1, b.Y1) - Math.Max(a.Y0, b.Y0) > 1;
                Assert.False(overlap, $"'{boxes[i].Text}' {a} overlaps '{boxes[j].Text}' {b}");
            }
    }

    [Theory]
    [MemberData(nameof(ChartNames))]
    public void RasterContentIsEmbeddedPngNotRectangles(string name)
    {
        var doc = Svg.Parse(Chart(name));
        foreach (var image in doc.Descendants(Svg.Ns + "image"))
        {
            var href = (string)image.Attribute(Svg.XLink + "href")!;
            Assert.StartsWith("data:image/png;base64,", href);
            var png = Convert.FromBase64String(href["data:image/png;base64,".Length..]);
            Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, png[..8]);
        }
        // Heat-map cells are rectangles by design (each holds its number); nothing else needs many.
        var loose = doc.Descendants(Svg.Ns + "rect").Count(r => (string?)r.Parent!.Attribute("class") != "cell");
        Assert.True(loose < 300, $"{loose} rectangles: raster content must be images");
    }

    [Fact]
    public void TextIsEscaped()
    {
        var names = new[] { "<cat>", "A & B", "\"quoted\"", "it's" };
        var counts = new int[4, 4];
        for (var i = 0; i < 4; i++) counts[i, i] = 5;
        var doc = Svg.Parse(Charts.ConfusionMatrix(new ConfusionCounts(counts, names), title: "x < y & \"z\""));
        var texts = doc.Descendants(Svg.Ns + "text").Select(t => t.Value).ToHashSet();
        foreach (var n in names) Assert.Contains(n, texts);
        Assert.Contains("x < y & \"z\" — accuracy 100.00%", texts);
    }

    [Fact]
    public void ControlCharactersDoNotBreakTheXml()
    {
        var figure = Figure.Single("bell\u0007 and \uD800 lone surrogate", new TablePlot("", ["a\u0001"], [["b"]]));
        var doc = Svg.Parse(figure);
        Assert.Contains(doc.Descendants(Svg.Ns + "text"), t => t.Value.StartsWith("bell"));
    }

    [Fact]
    public void NumberFormattingNeverWritesMinusZeroOrCommas()
    {
        Assert.Equal("0", SvgRenderContext.N(-0.001));
        Assert.Equal("1.5", SvgRenderContext.N(1.5));
        Assert.Equal("-2.35", SvgRenderContext.N(-2.345));
        Assert.Equal("1234567.89", SvgRenderContext.N(1234567.891));
        Assert.Equal("0", SvgRenderContext.N(double.NaN));
    }
}
