using System.Buffers.Binary;
using FuncCnn.Reports;
using Xunit;

namespace FuncCnn.Reports.Tests;

public class PngEncoderTests
{
    [Fact]
    public void Crc32MatchesTheStandardCheckValue() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));

    [Fact]
    public void GreyRgbAndRgbaImagesReadBackThroughCairo()
    {
        var rng = new Random(3);
        var gray = new byte[7 * 5]; rng.NextBytes(gray);
        var img = CairoPng.Read(PngEncoder.EncodeGray(gray, 7, 5));
        Assert.Equal((7, 5), (img.Width, img.Height));
        for (var i = 0; i < gray.Length; i++) Assert.Equal((gray[i], gray[i], gray[i]), img.At(i % 7, i / 7));

        var rgb = new byte[9 * 4 * 3]; rng.NextBytes(rgb);
        img = CairoPng.Read(PngEncoder.EncodeRgb(rgb, 9, 4));
        for (var i = 0; i < 36; i++) Assert.Equal((rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]), img.At(i % 9, i / 9));

        var rgba = new byte[2 * 2 * 4];
        for (var i = 0; i < 4; i++) { rgba[4 * i] = (byte)(60 * i); rgba[4 * i + 1] = 10; rgba[4 * i + 2] = 200; rgba[4 * i + 3] = 255; }
        img = CairoPng.Read(PngEncoder.EncodeRgba(rgba, 2, 2));
        Assert.Equal((180, 10, 200), img.At(1, 1));
    }

    [Fact]
    public void RowsThatRepeatCompressWell()
    {
        // An upscaled 28x28 digit (8x8 blocks) must stay small: the Up and Sub filters take the repetition.
        var digit = SampleData.Digit(8);
        var png = RasterImages.Encode(new Raster(digit.Pixels, 28, 28, 0, 1, ColorMap.Gray), 224, 224);
        Assert.Equal(224, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.True(png.Length < 6000, $"{png.Length} bytes");
    }

    [Fact]
    public void SizesAreChecked()
    {
        Assert.Throws<ArgumentException>(() => PngEncoder.EncodeGray(new byte[5], 2, 2));
        Assert.Throws<ArgumentException>(() => PngEncoder.EncodeRgb([], 0, 1));
    }
}

public class PngExporterTests
{
    private static (int W, int H) Ihdr(byte[] png)
    {
        Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, png[..8]);
        Assert.Equal("IHDR"u8.ToArray(), png[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(1.5)]
    public void PngHasTheRequestedSize(double scale)
    {
        var figure = Charts.Summary(SampleData.SeedCnn());
        var size = FigureRenderer.Measure(figure);
        var png = PngExporter.Export(figure, scale);
        Assert.Equal(((int)Math.Round(size.Width * scale), (int)Math.Round(size.Height * scale)), Ihdr(png));
        var back = CairoPng.Read(png);
        Assert.Equal((255, 255, 255), back.At(1, 1)); // white background
    }

    [Fact]
    public void EveryChartRendersToPng()
    {
        foreach (var (name, figure) in SampleData.AllCharts())
        {
            var (w, h) = Ihdr(PngExporter.Export(figure, 1));
            var size = FigureRenderer.Measure(figure);
            Assert.True((w, h) == (size.Width, size.Height), name);
        }
    }

    [Fact]
    public void WrongCaptionIsRedAndRightCaptionGreenInThePixels()
    {
        var preds = SampleData.Predictions(16);
        var figure = Charts.PredictionGrid(preds, SampleData.Digits, count: 16);
        var doc = Svg.Parse(figure);
        var img = CairoPng.Read(PngExporter.Export(figure, 2));
        for (var i = 0; i < 16; i++)
        {
            var box = Svg.TextBox(Svg.Group(doc, $"p0-img-{i}").Element(Svg.Ns + "text")!);
            int red = 0, green = 0;
            for (var y = (int)(box.Y0 * 2); y < (int)(box.Y1 * 2); y++)
                for (var x = (int)(box.X0 * 2); x < (int)(box.X1 * 2); x++)
                {
                    var (r, g, b) = img.At(x, y);
                    if (r > 150 && g < 90 && b < 90) red++;
                    if (g > 90 && r < 80 && b < 110) green++;
                }
            if (preds[i].IsCorrect) Assert.True(green > 40 && red == 0, $"caption {i}: green {green}, red {red}");
            else Assert.True(red > 40 && green == 0, $"caption {i}: green {green}, red {red}");
        }
    }

    [Fact]
    public void DarkestConfusionCellIsTheLargestCount()
    {
        var confusion = ConfusionCounts.FromRows(SampleData.ConfusionRows, SampleData.Digits);
        var figure = Charts.ConfusionMatrix(confusion);
        var doc = Svg.Parse(figure);
        var img = CairoPng.Read(PngExporter.Export(figure, 2));
        (int T, int P) darkest = (-1, -1);
        var darkestLuma = double.MaxValue;
        for (var t = 0; t < 10; t++)
            for (var p = 0; p < 10; p++)
            {
                var rect = Svg.Group(doc, $"p0-cell-{t}-{p}").Element(Svg.Ns + "rect")!;
                var (r, g, b) = img.At((int)((Svg.D(rect, "x") + 4) * 2), (int)((Svg.D(rect, "y") + 4) * 2)); // a corner, clear of the text
                var luma = 0.299 * r + 0.587 * g + 0.114 * b;
                if (luma < darkestLuma) { darkestLuma = luma; darkest = (t, p); }
            }
        Assert.Equal((1, 1), darkest); // 1,129 is the largest count
    }

    [Fact]
    public void MissingLibrariesGiveAMessageNamingTheDebianPackages()
    {
        var (renderer, error) = NativeRenderer.Load(["libnot-rsvg-funccnn.so.9"], ["libnot-cairo-funccnn.so.9"]);
        Assert.Null(renderer);
        Assert.Contains("librsvg2-2", error);
        Assert.Contains("libcairo2", error);
        Assert.Contains("SVG export works without them", error);
        var (r2, e2) = NativeRenderer.Load(["libnot-rsvg-funccnn.so.9"], ["libcairo.so.2"]);
        Assert.Null(r2);
        Assert.Contains("librsvg2-2", e2);
        Assert.DoesNotContain("libcairo2 ", e2.Split("apt-get")[0]);
    }

    [Fact]
    public void BrokenSvgGivesLibrsvgsReason()
    {
        var e = Assert.Throws<SvgRenderException>(() => PngExporter.RenderSvg("<svg", 10, 10));
        Assert.Contains("librsvg", e.Message);
    }

    [Fact]
    public void ScaleMustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PngExporter.RenderSvg("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 10, 10, 0));
}
