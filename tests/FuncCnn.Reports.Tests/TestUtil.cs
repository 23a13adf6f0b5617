using OxyPlot;
using OxyPlot.Annotations;
using SkiaSharp;

namespace FuncCnn.Reports.Tests;

/// <summary>Reads what charts hold and what exporters wrote.</summary>
internal static class TestUtil
{
    public static TextAnnotation[] Texts(PlotModel m) => m.Annotations.OfType<TextAnnotation>().ToArray();

    public static TextAnnotation Text(PlotModel m, string text) => Texts(m).Single(t => t.Text == text);

    public static ImageAnnotation[] Images(PlotModel m) => m.Annotations.OfType<ImageAnnotation>().ToArray();

    /// <summary>Decodes PNG bytes with SkiaSharp.</summary>
    public static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("SkiaSharp could not decode the PNG.");

    public static bool Near(SKColor a, OxyColor b, int tolerance = 40) =>
        Math.Abs(a.Red - b.R) + Math.Abs(a.Green - b.G) + Math.Abs(a.Blue - b.B) <= tolerance;

    /// <summary>How many pixels are close to a colour.</summary>
    public static int Count(SKBitmap bmp, OxyColor color, int tolerance = 40)
    {
        var n = 0;
        for (var y = 0; y < bmp.Height; y++)
            for (var x = 0; x < bmp.Width; x++)
                if (Near(bmp.GetPixel(x, y), color, tolerance)) n++;
        return n;
    }

    /// <summary>Pages of a PDF written by SkiaSharp: the root of its page tree has the largest /Count.</summary>
    public static int PdfPages(byte[] pdf)
    {
        var text = System.Text.Encoding.Latin1.GetString(pdf);
        var counts = System.Text.RegularExpressions.Regex.Matches(text, @"/Count (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToArray();
        if (counts.Length == 0) throw new InvalidOperationException("No page tree in the PDF.");
        return counts.Max();
    }
}
